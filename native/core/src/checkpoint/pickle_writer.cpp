#include "pickle_writer.h"

#include <ATen/ATen.h>

#include <gazecoder/checkpoint/checkpoint.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <unordered_map>

#include "pickle_format.h"

namespace gazecoder::pickle {
namespace {

// Python decodes pickled strings as UTF-8 (surrogates allowed), so anything else would not load.
bool isUtf8(const std::string& s) {
  static constexpr uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};  // smallest code point per length
  size_t i = 0;
  while (i < s.size()) {
    const auto lead = static_cast<uint8_t>(s[i]);
    size_t extra = 0;
    uint32_t cp = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      extra = 1, cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2, cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3, cp = lead & 0x07;
    } else {
      return false;
    }
    if (extra >= s.size() - i) return false;
    for (size_t k = 1; k <= extra; ++k) {
      const auto c = static_cast<uint8_t>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    if (cp < kMinimum[extra] || cp > 0x10FFFF) return false;
    i += extra + 1;
  }
  return true;
}

class Pickler {
 public:
  explicit Pickler(const std::string& target) : target_(target) {}

  Pickled run(const c10::IValue& value) {
    op(PROTO);
    byte(2);
    write(value, 0);
    op(STOP);
    return std::move(out_);
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const { throw CheckpointError(target_ + ": " + problem); }

  void byte(uint8_t b) { out_.program.push_back(static_cast<char>(b)); }
  void op(Op o) { byte(o); }
  void le(uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) byte(static_cast<uint8_t>(v >> (8 * i)));
  }

  void write(const c10::IValue& v, int depth) {
    if (depth > kMaxDepth) fail("values nested deeper than " + std::to_string(kMaxDepth) + " levels");
    if (v.isNone()) {
      op(NONE);
    } else if (v.isBool()) {
      op(v.toBool() ? NEWTRUE : NEWFALSE);
    } else if (v.isInt()) {
      writeInt(v.toInt());
    } else if (v.isDouble()) {
      writeFloat(v.toDouble());
    } else if (v.isString()) {
      writeString(v.toStringRef());
    } else if (v.isTensor()) {
      writeTensor(v.toTensor());
    } else if (v.isTuple()) {
      const auto& items = v.toTupleRef().elements();
      if (items.size() > 3) op(MARK);
      for (const auto& item : items) write(item, depth + 1);
      static constexpr Op kBySize[] = {EMPTY_TUPLE, TUPLE1, TUPLE2, TUPLE3};
      op(items.size() > 3 ? TUPLE : kBySize[items.size()]);
    } else if (v.isList()) {
      op(EMPTY_LIST);
      const auto items = v.toListRef();
      if (items.empty()) return;
      op(MARK);
      for (const auto& item : items) write(item, depth + 1);
      op(APPENDS);
    } else if (v.isGenericDict()) {
      emptyOrderedDict();
      const auto dict = v.toGenericDict();
      if (dict.empty()) return;
      op(MARK);
      for (const auto& entry : dict) {
        if (!isDictKey(entry.key())) fail("cannot save a dict key of type " + entry.key().tagKind());
        write(entry.key(), depth + 1);
        write(entry.value(), depth + 1);
      }
      op(SETITEMS);
    } else {
      fail("cannot save a value of type " + v.tagKind());
    }
  }

  void writeInt(int64_t v) {
    if (v >= 0 && v <= 0xff) {
      op(BININT1);
      le(static_cast<uint64_t>(v), 1);
    } else if (v >= 0 && v <= 0xffff) {
      op(BININT2);
      le(static_cast<uint64_t>(v), 2);
    } else if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
      op(BININT);
      le(static_cast<uint64_t>(v), 4);
    } else {
      // Shortest little-endian two's complement, as Python writes it.
      const auto bits = static_cast<uint64_t>(v);
      int n = 8;
      while (n > 1) {
        const auto top = static_cast<uint8_t>(bits >> (8 * (n - 1)));
        const bool nextNegative = (bits >> (8 * (n - 1) - 1)) & 1;
        if (!((top == 0x00 && !nextNegative) || (top == 0xff && nextNegative))) break;
        --n;
      }
      op(LONG1);
      byte(static_cast<uint8_t>(n));
      le(bits, n);
    }
  }

  void writeFloat(double d) {
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    op(BINFLOAT);
    for (int i = 7; i >= 0; --i) byte(static_cast<uint8_t>(bits >> (8 * i)));  // big-endian
  }

  void writeString(const std::string& s) {
    if (!isUtf8(s)) fail("cannot save a string that is not valid UTF-8");
    if (s.size() > std::numeric_limits<uint32_t>::max()) fail("cannot save a string of 4 GiB or more");
    op(BINUNICODE);
    le(s.size(), 4);
    out_.program += s;
  }

  void global(const char* module, const char* name) {
    op(GLOBAL);
    out_.program.append(module).append("\n").append(name).append("\n");
  }

  // collections.OrderedDict(): also the (empty) backward hooks of every tensor.
  void emptyOrderedDict() {
    global("collections", "OrderedDict");
    op(EMPTY_TUPLE);
    op(REDUCE);
  }

  // _rebuild_tensor_v2(('storage', torch.<T>Storage, '<i>', 'cpu', numel), 0, size, stride, requires_grad, OrderedDict())
  void writeTensor(const at::Tensor& t) {
    if (!t.defined()) fail("cannot save an undefined tensor");
    if (t.layout() != at::kStrided || t.is_quantized()) fail("only dense tensors can be saved");
    const char* storageClass = storageClassName(t.scalar_type());
    if (!storageClass) fail(std::string("cannot save a tensor of dtype ") + c10::toString(t.scalar_type()));
    // One storage per tensor object: the same tensor saved twice (tied weights) stays shared after loading.
    const auto [it, fresh] = storageIndex_.emplace(t.unsafeGetTensorImpl(), out_.storages.size());
    if (fresh) out_.storages.push_back(t.detach().to(at::kCPU).resolve_conj().resolve_neg().contiguous());
    const at::Tensor& data = out_.storages[it->second];

    global("torch._utils", "_rebuild_tensor_v2");
    op(MARK);
    op(MARK);
    writeString("storage");
    global("torch", storageClass);
    writeString(std::to_string(it->second));
    writeString("cpu");
    writeInt(data.numel());
    op(TUPLE);
    op(BINPERSID);
    writeInt(0);
    writeInts(data.sizes());
    writeInts(data.strides());
    op(t.requires_grad() ? NEWTRUE : NEWFALSE);
    emptyOrderedDict();
    op(TUPLE);
    op(REDUCE);
  }

  void writeInts(c10::IntArrayRef values) {
    op(MARK);
    for (int64_t v : values) writeInt(v);
    op(TUPLE);
  }

  const std::string& target_;
  Pickled out_;
  std::unordered_map<const void*, size_t> storageIndex_;
};

}  // namespace

Pickled pickle(const c10::IValue& value, const std::string& target) { return Pickler(target).run(value); }

}  // namespace gazecoder::pickle
