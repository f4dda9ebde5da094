#pragma once
// Reading JS arguments with errors that name the argument: TypeError for a value of the wrong kind,
// RangeError for one of the right kind outside what it may be (NaN, fractional, negative, too large).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>

#include "napi_exceptions.h"

namespace gazecoder::binding {

// Integers beyond 2^53 - 1 are not exact in a JS number.
constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;

inline std::string describeNumber(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", v);
  return text;
}

// `name` as an integer in [min, max].
inline int64_t toInteger(Napi::Env env, double v, const std::string& name, int64_t min, int64_t max) {
  if (!std::isfinite(v) || std::floor(v) != v || std::fabs(v) > static_cast<double>(kMaxSafeInteger)) {
    throw Napi::RangeError::New(env, name + " must be an integer, got " + describeNumber(v));
  }
  const auto i = static_cast<int64_t>(v);
  if (i < min || i > max) {
    throw Napi::RangeError::New(env, name + " must be " +
                                         (max >= kMaxSafeInteger ? "at least " + std::to_string(min)
                                                                 : "from " + std::to_string(min) + " to " + std::to_string(max)) +
                                         ", got " + std::to_string(i));
  }
  return i;
}

inline std::string typeName(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsBoolean()) return "a boolean";
  if (v.IsNumber()) return "a number";
  if (v.IsString()) return "a string";
  if (v.IsBigInt()) return "a bigint";
  if (v.IsSymbol()) return "a symbol";
  if (v.IsFunction()) return "a function";
  if (v.IsArray()) return "an array";
  if (v.IsTypedArray()) return "a typed array";
  return "an object";
}

inline double finiteNumber(const Napi::Value& v, const std::string& name) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), name + " must be a number, got " + typeName(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d)) throw Napi::RangeError::New(v.Env(), name + " must be a finite number, got " + describeNumber(d));
  return d;
}

inline Napi::Value argument(const Napi::CallbackInfo& args, size_t index) {
  return args.Length() > index ? args[index] : args.Env().Undefined();
}

inline int64_t requireInteger(const Napi::CallbackInfo& args, size_t index, const char* name, int64_t min, int64_t max) {
  const Napi::Value v = argument(args, index);
  if (!v.IsNumber()) throw Napi::TypeError::New(args.Env(), std::string(name) + " must be a number, got " + typeName(v));
  return toInteger(args.Env(), v.As<Napi::Number>().DoubleValue(), name, min, max);
}

inline std::string requireString(const Napi::CallbackInfo& args, size_t index, const char* name) {
  const Napi::Value v = argument(args, index);
  if (!v.IsString()) throw Napi::TypeError::New(args.Env(), std::string(name) + " must be a string, got " + typeName(v));
  return v.As<Napi::String>().Utf8Value();
}

// A file name: C file functions would stop at a NUL and open another file than the one named.
inline std::string requirePath(const Napi::CallbackInfo& args, size_t index, const char* name) {
  const std::string path = requireString(args, index, name);
  if (path.empty()) throw Napi::TypeError::New(args.Env(), std::string(name) + " must not be empty");
  if (path.find('\0') != std::string::npos) throw Napi::TypeError::New(args.Env(), std::string(name) + " must not contain a NUL character");
  return path;
}

// An options object, or an empty one when the argument is absent or undefined.
inline Napi::Object optionalObject(const Napi::CallbackInfo& args, size_t index, const char* name) {
  const Napi::Value v = argument(args, index);
  if (v.IsUndefined()) return Napi::Object::New(args.Env());
  if (!v.IsObject() || v.IsArray() || v.IsFunction()) {
    throw Napi::TypeError::New(args.Env(), std::string(name) + " must be an object, got " + typeName(v));
  }
  return v.As<Napi::Object>();
}

inline double numberOr(const Napi::Object& object, const char* key, double fallback) {
  Napi::Value v = object.Get(key);
  if (v.IsUndefined()) return fallback;
  return finiteNumber(v, key);
}

inline int64_t integerOr(const Napi::Object& object, const char* key, int64_t fallback, int64_t min, int64_t max) {
  Napi::Value v = object.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(object.Env(), std::string(key) + " must be a number, got " + typeName(v));
  return toInteger(object.Env(), v.As<Napi::Number>().DoubleValue(), key, min, max);
}

inline bool boolOr(const Napi::Object& object, const char* key, bool fallback) {
  Napi::Value v = object.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) throw Napi::TypeError::New(object.Env(), std::string(key) + " must be a boolean, got " + typeName(v));
  return v.As<Napi::Boolean>().Value();
}

inline std::string stringOr(const Napi::Object& object, const char* key, const std::string& fallback) {
  Napi::Value v = object.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsString()) throw Napi::TypeError::New(object.Env(), std::string(key) + " must be a string, got " + typeName(v));
  return v.As<Napi::String>().Utf8Value();
}

// A member that may be absent (undefined): nothing then, else its value, or an error naming it.
inline std::optional<double> optionalNumber(const Napi::Object& object, const char* key) {
  if (object.Get(key).IsUndefined()) return std::nullopt;
  return numberOr(object, key, 0);
}

inline std::optional<int64_t> optionalInteger(const Napi::Object& object, const char* key, int64_t min, int64_t max) {
  if (object.Get(key).IsUndefined()) return std::nullopt;
  return integerOr(object, key, 0, min, max);
}

inline std::optional<bool> optionalBool(const Napi::Object& object, const char* key) {
  if (object.Get(key).IsUndefined()) return std::nullopt;
  return boolOr(object, key, false);
}

inline std::optional<std::string> optionalString(const Napi::Object& object, const char* key) {
  if (object.Get(key).IsUndefined()) return std::nullopt;
  return stringOr(object, key, "");
}

}  // namespace gazecoder::binding
