#pragma once
// Reading JS arguments with errors that name the argument.
#include <napi.h>

#include <optional>
#include <string>

namespace gazecoder::binding {

inline double requireNumber(const Napi::CallbackInfo& args, size_t index, const char* name) {
  if (args.Length() <= index || !args[index].IsNumber()) {
    throw Napi::TypeError::New(args.Env(), std::string(name) + " must be a number");
  }
  return args[index].As<Napi::Number>().DoubleValue();
}

inline std::string requireString(const Napi::CallbackInfo& args, size_t index, const char* name) {
  if (args.Length() <= index || !args[index].IsString()) {
    throw Napi::TypeError::New(args.Env(), std::string(name) + " must be a string");
  }
  return args[index].As<Napi::String>().Utf8Value();
}

// An options object, or an empty one when the argument is absent or undefined.
inline Napi::Object optionalObject(const Napi::CallbackInfo& args, size_t index, const char* name) {
  if (args.Length() <= index || args[index].IsUndefined()) return Napi::Object::New(args.Env());
  if (!args[index].IsObject()) throw Napi::TypeError::New(args.Env(), std::string(name) + " must be an object");
  return args[index].As<Napi::Object>();
}

inline double numberOr(const Napi::Object& object, const char* key, double fallback) {
  Napi::Value v = object.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw Napi::TypeError::New(object.Env(), std::string(key) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

inline bool boolOr(const Napi::Object& object, const char* key, bool fallback) {
  Napi::Value v = object.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) throw Napi::TypeError::New(object.Env(), std::string(key) + " must be a boolean");
  return v.As<Napi::Boolean>().Value();
}

inline std::string stringOr(const Napi::Object& object, const char* key, const std::string& fallback) {
  Napi::Value v = object.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsString()) throw Napi::TypeError::New(object.Env(), std::string(key) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

// A member that may be absent (undefined): nothing then, else its value, or a TypeError naming it.
inline std::optional<double> optionalNumber(const Napi::Object& object, const char* key) {
  if (object.Get(key).IsUndefined()) return std::nullopt;
  return numberOr(object, key, 0);
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
