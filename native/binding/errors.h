#pragma once
#include <c10/util/Exception.h>
#include <napi.h>

#include <exception>
#include <string>

namespace gazecoder::binding {

// Runs `fn`; on a C++ exception stores its message (without LibTorch's C++ backtrace) and returns false.
template <typename Fn>
bool captureErrors(Fn&& fn, std::string& message) {
  try {
    fn();
    return true;
  } catch (const c10::Error& e) {
    message = e.what_without_backtrace();
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
    message = "unknown native error";
  }
  return false;
}

// For synchronous calls: C++ exceptions become JS exceptions thrown into the caller.
template <typename Fn>
auto rethrowAsJs(Napi::Env env, Fn&& fn) -> decltype(fn()) {
  std::string message;
  if constexpr (std::is_void_v<decltype(fn())>) {
    if (!captureErrors(fn, message)) throw Napi::Error::New(env, message);
  } else {
    decltype(fn()) result{};
    if (!captureErrors([&] { result = fn(); }, message)) throw Napi::Error::New(env, message);
    return result;
  }
}

}  // namespace gazecoder::binding
