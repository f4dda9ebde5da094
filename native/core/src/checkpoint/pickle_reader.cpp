// Over 400 lines on purpose: one class, the unpickler's stack machine, whose guards read best side by side.
#include "pickle_reader.h"

#include <ATen/ATen.h>
#include <ATen/core/Dict.h>
#include <ATen/core/List.h>

#include <gazecoder/checkpoint/checkpoint.h>

#include <cstring>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <utility>
#include <vector>

#include "pickle_format.h"

namespace gazecoder::pickle {
namespace {

enum class Callable { OrderedDict, RebuildTensor, RebuildParameter };

// A Python global that the file named: something to call, or a storage class in a persistent id.
// Globals and storages travel as IValue capsules so that tuples can hold them like Python does.
struct GlobalRef : torch::CustomClassHolder {
  std::string name;
  std::optional<Callable> callable;
  std::optional<c10::ScalarType> storageDtype;
};

struct StorageRef : torch::CustomClassHolder {
  c10::Storage storage;
  c10::ScalarType dtype;
};

// What the unpickler knows about a value: containers are tracked so that nesting stays bounded and
// no container changes after it went into another (which also rules out cycles).
struct Node {
  int depth = 0;
  bool sealed = false;
  bool opaque = false;  // is or holds a global or storage, which only tensor rebuilding may use
};

bool isContainer(const c10::IValue& v) { return v.isTuple() || v.isList() || v.isGenericDict(); }

class Unpickler {
 public:
  Unpickler(const std::string& program, const std::string& source, const StorageLoader& loadStorage)
      : program_(program), source_(source), loadStorage_(loadStorage) {}

  c10::IValue run() {
    while (true) {
      opStart_ = pos_;
      const uint8_t op = u8();
      if (op == STOP) return finish();
      step(op);
    }
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw CheckpointError(source_ + ": " + problem + " (data.pkl byte " + std::to_string(opStart_) + ")");
  }

  // ---- reading bytes ----

  const char* take(uint64_t n) {
    if (n > program_.size() - pos_) fail("pickle data ends early (truncated or corrupt file)");
    const char* p = program_.data() + pos_;
    pos_ += n;
    return p;
  }
  uint8_t u8() { return static_cast<uint8_t>(*take(1)); }
  uint64_t uintLE(int bytes) {
    const auto* p = reinterpret_cast<const uint8_t*>(take(bytes));
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }
  std::string str(uint64_t n) { return std::string(take(n), n); }
  std::string line() {
    const auto end = program_.find('\n', pos_);
    if (end == std::string::npos) fail("pickle data ends inside a GLOBAL name");
    std::string s = program_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return s;
  }
  int64_t long1() {
    const uint8_t n = u8();
    if (n > 8) fail("integer does not fit 64 bits");
    if (n == 0) return 0;
    uint64_t v = uintLE(n);
    if (n < 8 && (v >> (8 * n - 1)) != 0) v |= ~uint64_t{0} << (8 * n);  // sign-extend
    return static_cast<int64_t>(v);
  }
  double binfloat() {
    const auto* p = reinterpret_cast<const uint8_t*>(take(8));
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];  // big-endian
    double d;
    std::memcpy(&d, &bits, sizeof d);
    return d;
  }

  // ---- the stack; MARK hides what lies below it until the matching pop ----

  size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(c10::IValue v) { stack_.push_back(std::move(v)); }
  c10::IValue pop() {
    if (stack_.size() <= floor()) fail("pickle stack underflow");
    c10::IValue v = std::move(stack_.back());
    stack_.pop_back();
    return v;
  }
  c10::IValue& top() {
    if (stack_.size() <= floor()) fail("pickle stack underflow");
    return stack_.back();
  }
  std::vector<c10::IValue> popToMark() {
    if (marks_.empty()) fail("pickle has no MARK to pop to");
    std::vector<c10::IValue> items(std::make_move_iterator(stack_.begin() + marks_.back()),
                                   std::make_move_iterator(stack_.end()));
    stack_.resize(marks_.back());
    marks_.pop_back();
    return items;
  }

  // ---- containers ----

  Node node(const c10::IValue& v) const {
    if (v.isCapsule()) return Node{0, true, true};
    if (!isContainer(v)) return Node{};
    return nodes_.at(v.internalToPointer()).second;
  }
  Node& mutableNode(const c10::IValue& v) { return nodes_.at(v.internalToPointer()).second; }
  c10::IValue track(c10::IValue container, Node n) {
    if (n.depth > kMaxDepth) fail("values nested deeper than " + std::to_string(kMaxDepth) + " levels");
    nodes_.emplace(container.internalToPointer(), std::make_pair(container, n));
    return container;
  }
  void seal(const c10::IValue& v) {
    if (isContainer(v)) mutableNode(v).sealed = true;
  }

  c10::IValue makeTuple(std::vector<c10::IValue> items) {
    Node n;
    for (const auto& item : items) {
      const Node child = node(item);
      n.depth = std::max(n.depth, child.depth + 1);
      n.opaque = n.opaque || child.opaque;
      seal(item);
    }
    return track(c10::ivalue::Tuple::create(std::move(items)), n);
  }
  c10::IValue makeList() { return track(c10::impl::GenericList(c10::AnyType::get()), Node{1}); }
  c10::IValue makeDict() {
    return track(c10::impl::GenericDict(c10::AnyType::get(), c10::AnyType::get()), Node{1});
  }

  // Checks that `child` may go into the list or dict `parent`, and records that it did.
  void adopt(const c10::IValue& parent, const c10::IValue& child) {
    const Node c = node(child);
    if (c.opaque) fail("a Python class or storage is used as a plain value");
    seal(child);  // first, so that a container put into itself counts as changed after use
    Node& p = mutableNode(parent);
    if (p.sealed) fail("a " + parent.tagKind() + " is changed after it was used (recursive or malformed pickle)");
    p.depth = std::max(p.depth, c.depth + 1);
    if (p.depth > kMaxDepth) fail("values nested deeper than " + std::to_string(kMaxDepth) + " levels");
  }
  void append(const c10::IValue& list, c10::IValue item) {
    if (!list.isList()) fail("APPEND to a " + list.tagKind() + ", not a list");
    adopt(list, item);
    list.toList().push_back(std::move(item));
  }
  void setItem(const c10::IValue& dict, c10::IValue key, c10::IValue value) {
    if (!dict.isGenericDict()) fail("SETITEM on a " + dict.tagKind() + ", not a dict");
    if (!isDictKey(key)) fail("dict key of type " + key.tagKind() + " is not supported");
    adopt(dict, value);
    dict.toGenericDict().insert_or_assign(std::move(key), std::move(value));
  }

  // ---- globals, calls and tensors ----

  c10::IValue global(const std::string& module, const std::string& name) {
    auto g = c10::make_intrusive<GlobalRef>();
    g->name = module + "." + name;
    if (module == "collections" && name == "OrderedDict") {
      g->callable = Callable::OrderedDict;
    } else if (module == "torch._utils" && name == "_rebuild_tensor_v2") {
      g->callable = Callable::RebuildTensor;
    } else if (module == "torch._utils" && name == "_rebuild_parameter") {
      g->callable = Callable::RebuildParameter;
    } else if (module == "torch" && name == "UntypedStorage") {
      g->storageDtype = c10::ScalarType::Byte;
    } else if (auto dtype = module == "torch" ? storageDtype(name) : std::nullopt) {
      g->storageDtype = dtype;
    } else {
      fail("forbidden global '" + g->name + "': only tensors and plain containers are accepted");
    }
    return c10::IValue::make_capsule(std::move(g));
  }

  // The object inside a capsule, or null; it lives as long as `v`.
  template <typename T>
  static const T* capsule(const c10::IValue& v) {
    return v.isCapsule() ? dynamic_cast<const T*>(v.toCapsule().get()) : nullptr;
  }

  c10::IValue call(const c10::IValue& fn, const c10::IValue& args) {
    const auto* g = capsule<GlobalRef>(fn);
    if (!g) fail("call of a " + fn.tagKind() + ", not of a global");
    if (!g->callable) fail("'" + g->name + "' is not callable");
    if (!args.isTuple()) fail("arguments of '" + g->name + "' are not a tuple");
    const auto& a = args.toTupleRef().elements();
    if (*g->callable == Callable::OrderedDict) {
      if (a.size() != 0) fail("collections.OrderedDict with arguments is not supported");
      return makeDict();
    }
    if (*g->callable == Callable::RebuildTensor) return rebuildTensor(a);
    // _rebuild_parameter(data, requires_grad, backward_hooks)
    if (a.size() != 3 || !a[0].isTensor() || !a[1].isBool() || !a[2].isGenericDict()) {
      fail("_rebuild_parameter expects (tensor, requires_grad, hooks)");
    }
    return withRequiresGrad(a[0].toTensor().detach(), a[1].toBool());
  }

  at::Tensor withRequiresGrad(at::Tensor t, bool requiresGrad) {
    if (requiresGrad) {
      if (!at::isFloatingType(t.scalar_type()) && !at::isComplexType(t.scalar_type())) {
        fail("a " + std::string(c10::toString(t.scalar_type())) + " tensor cannot require gradients");
      }
      t.set_requires_grad(true);
    }
    return t;
  }

  std::vector<int64_t> intTuple(const c10::IValue& v, const char* what) {
    if (!v.isTuple()) fail(std::string("tensor ") + what + " is not a tuple");
    std::vector<int64_t> out;
    for (const auto& e : v.toTupleRef().elements()) {
      if (!e.isInt()) fail(std::string("tensor ") + what + " holds a " + e.tagKind());
      out.push_back(e.toInt());
    }
    return out;
  }

  // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
  at::Tensor rebuildTensor(const c10::ivalue::TupleElements& a) {
    if (a.size() != 6 && a.size() != 7) fail("_rebuild_tensor_v2 expects 6 or 7 arguments");
    const auto* storage = capsule<StorageRef>(a[0]);
    if (!storage) fail("_rebuild_tensor_v2 without a storage");
    if (!a[1].isInt()) fail("tensor storage offset is not an int");
    const int64_t offset = a[1].toInt();
    const auto size = intTuple(a[2], "size");
    const auto stride = intTuple(a[3], "stride");
    if (!a[4].isBool()) fail("tensor requires_grad is not a bool");
    if (!a[5].isGenericDict()) fail("tensor backward hooks are not a dict");
    if (a.size() == 7 && !a[6].isNone()) checkMetadata(a[6]);
    if (size.size() != stride.size()) fail("tensor size and stride differ in length");

    const auto available = static_cast<int64_t>(storage->storage.nbytes() / c10::elementSize(storage->dtype));
    int64_t numel = 1;
    int64_t last = offset;  // element index of the tensor's last element
    bool overflow = false;
    for (size_t i = 0; i < size.size(); ++i) {
      if (size[i] < 0 || stride[i] < 0) fail("tensor has a negative size or stride");
      int64_t span = 0;
      overflow = overflow || __builtin_mul_overflow(numel, size[i], &numel);
      if (size[i] > 0) {
        overflow = overflow || __builtin_mul_overflow(size[i] - 1, stride[i], &span) ||
                   __builtin_add_overflow(last, span, &last);
      }
    }
    if (overflow || offset < 0 || offset > available || (numel > 0 && last >= available)) {
      std::ostringstream msg;
      msg << "tensor of size " << c10::IntArrayRef(size) << ", stride " << c10::IntArrayRef(stride)
          << " and offset " << offset << " exceeds its storage of " << available << " elements";
      fail(msg.str());
    }
    at::Tensor t = at::empty({0}, at::TensorOptions().dtype(storage->dtype)).set_(storage->storage, offset, size, stride);
    return withRequiresGrad(t, a[4].toBool());
  }

  // Newer torch.save records conj/neg bits here; only tensors without them are supported.
  void checkMetadata(const c10::IValue& metadata) {
    if (!metadata.isGenericDict()) fail("tensor metadata is not a dict");
    for (const auto& entry : metadata.toGenericDict()) {
      if (!entry.value().isBool() || entry.value().toBool()) {
        fail("tensors with conjugate or negative bits set are not supported");
      }
    }
  }

  // ('storage', torch.<T>Storage, key, location, numel); the location is ignored (loaded to CPU).
  c10::IValue persistentLoad(const c10::IValue& pid) {
    if (!pid.isTuple()) fail("persistent id is not a tuple");
    const auto& e = pid.toTupleRef().elements();
    const auto* cls = e.size() == 5 ? capsule<GlobalRef>(e[1]) : nullptr;
    if (e.size() != 5 || !e[0].isString() || e[0].toStringRef() != "storage" || !cls || !cls->storageDtype ||
        !e[2].isString() || !e[3].isString() || !e[4].isInt()) {
      fail("persistent id is not ('storage', storage class, key, location, numel)");
    }
    const c10::ScalarType dtype = *cls->storageDtype;
    const std::string key = e[2].toStringRef();
    if (auto cached = storages_.find(key); cached != storages_.end()) {
      if (cached->second->dtype != dtype) fail("storage '" + key + "' is used with two dtypes");
      return c10::IValue::make_capsule(cached->second);
    }
    int64_t nbytes = 0;
    if (e[4].toInt() < 0 ||
        __builtin_mul_overflow(e[4].toInt(), static_cast<int64_t>(c10::elementSize(dtype)), &nbytes)) {
      fail("storage '" + key + "' has an invalid size");
    }
    auto ref = c10::make_intrusive<StorageRef>();
    ref->storage = loadStorage_(key, static_cast<size_t>(nbytes));
    ref->dtype = dtype;
    storages_.emplace(key, ref);
    return c10::IValue::make_capsule(std::move(ref));
  }

  // ---- opcodes ----

  void step(uint8_t op) {
    switch (op) {
      case PROTO:
        if (u8() > kHighestProtocol) fail("pickle protocol newer than 5");
        break;
      case FRAME:
        take(8);  // frame length; frames need no special handling when the whole program is in memory
        break;
      case MARK:
        marks_.push_back(stack_.size());
        break;
      case NONE: push(c10::IValue()); break;
      case NEWTRUE: push(true); break;
      case NEWFALSE: push(false); break;
      case BININT: push(static_cast<int64_t>(static_cast<int32_t>(uintLE(4)))); break;
      case BININT1: push(static_cast<int64_t>(u8())); break;
      case BININT2: push(static_cast<int64_t>(uintLE(2))); break;
      case LONG1: push(long1()); break;
      case BINFLOAT: push(binfloat()); break;
      // Bytes become strings: IValue has no bytes type, and state dicts never hold bytes.
      case SHORT_BINUNICODE:
      case SHORT_BINBYTES: push(str(u8())); break;
      case BINUNICODE:
      case BINBYTES: push(str(uintLE(4))); break;
      case BINUNICODE8:
      case BINBYTES8: push(str(uintLE(8))); break;
      case EMPTY_TUPLE: push(makeTuple({})); break;
      case TUPLE1:
      case TUPLE2:
      case TUPLE3: {
        std::vector<c10::IValue> items(op - TUPLE1 + 1);
        for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
        push(makeTuple(std::move(items)));
        break;
      }
      case TUPLE: push(makeTuple(popToMark())); break;
      case EMPTY_LIST: push(makeList()); break;
      case EMPTY_DICT: push(makeDict()); break;
      case APPEND: {
        c10::IValue item = pop();
        append(top(), std::move(item));
        break;
      }
      case APPENDS: {
        auto items = popToMark();
        const c10::IValue& list = top();
        for (auto& item : items) append(list, std::move(item));
        break;
      }
      case SETITEM: {
        c10::IValue value = pop();
        c10::IValue key = pop();
        setItem(top(), std::move(key), std::move(value));
        break;
      }
      case SETITEMS: {
        auto items = popToMark();
        if (items.size() % 2 != 0) fail("SETITEMS with an odd number of items");
        const c10::IValue& dict = top();
        for (size_t i = 0; i < items.size(); i += 2) setItem(dict, std::move(items[i]), std::move(items[i + 1]));
        break;
      }
      case BINPUT: memo_[u8()] = top(); break;
      case LONG_BINPUT: memo_[static_cast<uint32_t>(uintLE(4))] = top(); break;
      case MEMOIZE: memo_[static_cast<uint32_t>(memo_.size())] = top(); break;
      case BINGET: push(memoGet(u8())); break;
      case LONG_BINGET: push(memoGet(static_cast<uint32_t>(uintLE(4)))); break;
      case GLOBAL: {
        std::string module = line();
        push(global(module, line()));
        break;
      }
      case STACK_GLOBAL: {
        c10::IValue name = pop();
        c10::IValue module = pop();
        if (!module.isString() || !name.isString()) fail("STACK_GLOBAL of non-strings");
        push(global(module.toStringRef(), name.toStringRef()));
        break;
      }
      case REDUCE:
      case NEWOBJ: {
        c10::IValue args = pop();
        c10::IValue fn = pop();
        push(call(fn, args));
        break;
      }
      case BUILD: {
        // Only OrderedDict state (the state dict's _metadata) is expected; it carries nothing we need.
        c10::IValue state = pop();
        if (!top().isGenericDict() || !(state.isGenericDict() || state.isNone())) {
          fail("BUILD of a " + top().tagKind() + " is not supported");
        }
        break;
      }
      case BINPERSID: push(persistentLoad(pop())); break;
      default: {
        std::ostringstream msg;
        msg << "unsupported pickle opcode 0x" << std::hex << static_cast<int>(op);
        fail(msg.str());
      }
    }
  }

  c10::IValue memoGet(uint32_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("pickle memo has no entry " + std::to_string(index));
    return it->second;
  }

  c10::IValue finish() {
    if (!marks_.empty() || stack_.size() != 1) fail("pickle stops with a malformed stack");
    if (node(stack_.back()).opaque) fail("a Python class or storage is used as a plain value");
    return stack_.back();
  }

  const std::string& program_;
  const std::string& source_;
  const StorageLoader& loadStorage_;
  size_t pos_ = 0;
  size_t opStart_ = 0;
  std::vector<c10::IValue> stack_;
  std::vector<size_t> marks_;
  std::unordered_map<uint32_t, c10::IValue> memo_;
  // Holding the containers keeps their addresses unique for the lifetime of the unpickler.
  std::unordered_map<const void*, std::pair<c10::IValue, Node>> nodes_;
  std::unordered_map<std::string, c10::intrusive_ptr<StorageRef>> storages_;
};

}  // namespace

c10::IValue unpickle(const std::string& program, const std::string& source, const StorageLoader& loadStorage) {
  return Unpickler(program, source, loadStorage).run();
}

}  // namespace gazecoder::pickle
