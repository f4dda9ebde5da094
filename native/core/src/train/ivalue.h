#pragma once
// Building and reading the nested dicts of last.pth (c10::IValue trees as savePickled writes them and
// loadPickled returns them), with errors that name the missing or mistyped entry.
#include <ATen/core/Dict.h>
#include <ATen/core/List.h>
#include <ATen/core/ivalue.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace gazecoder::train::ivalue {

using Dict = c10::impl::GenericDict;

inline Dict dict() { return Dict(c10::StringType::get(), c10::AnyType::get()); }

// Tensors (undefined ones as None), as a generic list.
inline c10::IValue tensorList(const std::vector<at::Tensor>& tensors) {
  c10::impl::GenericList list(c10::AnyType::get());
  for (const auto& t : tensors) list.push_back(t.defined() ? c10::IValue(t) : c10::IValue());
  return list;
}

inline const Dict asDict(const c10::IValue& value, const std::string& what) {
  if (!value.isGenericDict()) throw std::runtime_error(what + " is not a dict");
  return value.toGenericDict();
}

inline c10::IValue get(const Dict& d, const std::string& key, const std::string& what) {
  const auto found = d.find(key);
  if (found == d.end()) throw std::runtime_error(what + " has no '" + key + "'");
  return found->value();
}

inline bool has(const Dict& d, const std::string& key) { return d.find(key) != d.end(); }

inline int64_t getInt(const Dict& d, const std::string& key, const std::string& what) {
  const auto v = get(d, key, what);
  if (!v.isInt()) throw std::runtime_error(what + "['" + key + "'] is not an int");
  return v.toInt();
}

inline double getDouble(const Dict& d, const std::string& key, const std::string& what) {
  const auto v = get(d, key, what);
  if (v.isDouble()) return v.toDouble();
  if (v.isInt()) return static_cast<double>(v.toInt());
  throw std::runtime_error(what + "['" + key + "'] is not a number");
}

inline bool getBool(const Dict& d, const std::string& key, const std::string& what) {
  const auto v = get(d, key, what);
  if (!v.isBool()) throw std::runtime_error(what + "['" + key + "'] is not a bool");
  return v.toBool();
}

inline std::string getString(const Dict& d, const std::string& key, const std::string& what) {
  const auto v = get(d, key, what);
  if (!v.isString()) throw std::runtime_error(what + "['" + key + "'] is not a string");
  return v.toStringRef();
}

// A list of tensors or None, e.g. optimizer moments.
inline std::vector<at::Tensor> getTensors(const Dict& d, const std::string& key, const std::string& what) {
  const auto v = get(d, key, what);
  if (!v.isList()) throw std::runtime_error(what + "['" + key + "'] is not a list");
  std::vector<at::Tensor> out;
  for (const auto& item : v.toListRef()) {
    if (item.isNone()) out.emplace_back();
    else if (item.isTensor()) out.push_back(item.toTensor());
    else throw std::runtime_error(what + "['" + key + "'] holds a non-tensor");
  }
  return out;
}

// One list of a state's members serves both directions: a `visit(key, member)` call for each, made
// with a DictWriter (state(): the entries in that order) or a DictReader (loadState()).
class DictWriter {
 public:
  template <typename T>
  void operator()(const char* key, const T& value, const char* /*presentWith*/ = nullptr) {
    dict_.insert(key, value);
  }
  const Dict& dict() const { return dict_; }

 private:
  Dict dict_ = ivalue::dict();
};

// Reads each member back, with the errors of getInt/getDouble/getBool. `presentWith`: the member is
// read only when the dict holds that key (entries that the states of earlier versions lack).
class DictReader {
 public:
  DictReader(const c10::IValue& state, std::string what) : what_(std::move(what)), dict_(asDict(state, what_)) {}
  void operator()(const char* key, int64_t& v, const char* presentWith = nullptr) {
    if (present(presentWith)) v = getInt(dict_, key, what_);
  }
  void operator()(const char* key, double& v, const char* presentWith = nullptr) {
    if (present(presentWith)) v = getDouble(dict_, key, what_);
  }
  void operator()(const char* key, bool& v, const char* presentWith = nullptr) {
    if (present(presentWith)) v = getBool(dict_, key, what_);
  }

 private:
  bool present(const char* presentWith) const { return presentWith == nullptr || has(dict_, presentWith); }
  std::string what_;
  Dict dict_;
};

}  // namespace gazecoder::train::ivalue
