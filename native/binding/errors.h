#pragma once
#include <c10/util/Exception.h>

#include <exception>
#include <new>
#include <string>
#include <type_traits>

#include "napi_exceptions.h"

namespace gazecoder::binding {

// The message of the exception being handled (call inside a catch block), without LibTorch's C++ backtrace.
inline std::string rawErrorMessage() {
  try {
    throw;
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  } catch (const std::bad_alloc& e) {
    return std::string("out of memory (") + e.what() + ")";
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown native error";
  }
}

// ... with any NUL (from a file's bytes) shown as \0: N-API would end the JS string there.
inline std::string currentErrorMessage() {
  std::string message = rawErrorMessage();
  for (size_t at = message.find('\0'); at != std::string::npos; at = message.find('\0', at + 2)) message.replace(at, 1, "\\0");
  return message;
}

// Runs `fn`; on a C++ exception stores its message and returns false. For worker threads.
template <typename Fn>
bool captureErrors(Fn&& fn, std::string& message) {
  try {
    fn();
    return true;
  } catch (...) {
    message = currentErrorMessage();
  }
  return false;
}

// Every synchronous entry point runs its whole body, argument conversion included, through this, so
// that no C++ exception reaches N-API: JS errors (the TypeErrors and RangeErrors naming an argument,
// or an exception a JS getter threw) pass through, any other failure becomes a JS Error.
template <typename Fn>
auto guarded(Napi::Env env, Fn&& fn) -> decltype(fn()) {
  std::string message;
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    message = currentErrorMessage();
  }
  throw Napi::Error::New(env, message);
}

}  // namespace gazecoder::binding
