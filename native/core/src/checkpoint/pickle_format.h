#pragma once
// The parts of Python's pickle format and torch.save's conventions that the reader and the writer
// of .pth files share.
#include <ATen/core/ivalue.h>
#include <c10/core/ScalarType.h>

#include <cstdint>
#include <optional>
#include <string>

namespace gazecoder::pickle {

// Opcodes of pickle protocols 2-5 that torch.save emits (protocol 2) or that newer picklers use.
enum Op : uint8_t {
  MARK = '(',
  STOP = '.',
  BININT = 'J',
  BININT1 = 'K',
  BININT2 = 'M',
  NONE = 'N',
  BINPERSID = 'Q',
  REDUCE = 'R',
  BINUNICODE = 'X',
  EMPTY_LIST = ']',
  APPEND = 'a',
  BUILD = 'b',
  GLOBAL = 'c',
  APPENDS = 'e',
  BINGET = 'h',
  LONG_BINGET = 'j',
  EMPTY_DICT = '}',
  BINPUT = 'q',
  LONG_BINPUT = 'r',
  SETITEM = 's',
  TUPLE = 't',
  EMPTY_TUPLE = ')',
  SETITEMS = 'u',
  BINFLOAT = 'G',
  PROTO = 0x80,
  NEWOBJ = 0x81,
  TUPLE1 = 0x85,
  TUPLE2 = 0x86,
  TUPLE3 = 0x87,
  NEWTRUE = 0x88,
  NEWFALSE = 0x89,
  LONG1 = 0x8a,
  BINBYTES = 'B',
  SHORT_BINBYTES = 'C',
  SHORT_BINUNICODE = 0x8c,
  BINUNICODE8 = 0x8d,
  BINBYTES8 = 0x8e,
  STACK_GLOBAL = 0x93,
  MEMOIZE = 0x94,
  FRAME = 0x95,
};

constexpr int kHighestProtocol = 5;

// Deeper nesting than any real checkpoint; bounds recursion when values are walked or destroyed.
constexpr int kMaxDepth = 200;

// torch.<Name>Storage classes; a typed storage of `numel` elements lives in record data/<key>.
struct StorageClass {
  const char* name;
  c10::ScalarType dtype;
};

constexpr StorageClass kStorageClasses[] = {
    {"FloatStorage", c10::ScalarType::Float},
    {"DoubleStorage", c10::ScalarType::Double},
    {"HalfStorage", c10::ScalarType::Half},
    {"BFloat16Storage", c10::ScalarType::BFloat16},
    {"LongStorage", c10::ScalarType::Long},
    {"IntStorage", c10::ScalarType::Int},
    {"ShortStorage", c10::ScalarType::Short},
    {"CharStorage", c10::ScalarType::Char},
    {"ByteStorage", c10::ScalarType::Byte},
    {"BoolStorage", c10::ScalarType::Bool},
    {"ComplexFloatStorage", c10::ScalarType::ComplexFloat},
    {"ComplexDoubleStorage", c10::ScalarType::ComplexDouble},
};

inline std::optional<c10::ScalarType> storageDtype(const std::string& className) {
  for (const auto& c : kStorageClasses) {
    if (className == c.name) return c.dtype;
  }
  return std::nullopt;
}

inline const char* storageClassName(c10::ScalarType dtype) {
  for (const auto& c : kStorageClasses) {
    if (c.dtype == dtype) return c.name;
  }
  return nullptr;
}

// Dict keys both sides support: what Python state dicts and training checkpoints use.
inline bool isDictKey(const c10::IValue& key) {
  return key.isString() || key.isInt() || key.isDouble() || key.isBool();
}

}  // namespace gazecoder::pickle
