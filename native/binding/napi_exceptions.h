#pragma once
// Every binding file includes <napi.h> through here, so that all see the same exception switches
// (NAPI_CPP_EXCEPTIONS comes from CMake). With CPP_EXCEPTIONS_ALL a C++ exception that escapes a
// callback becomes a JS Error instead of std::terminate. It is the last line only: entry points run
// their whole body in guarded() (errors.h), which picks the error type and drops C++ backtraces.
#ifndef NODE_ADDON_API_CPP_EXCEPTIONS_ALL
#define NODE_ADDON_API_CPP_EXCEPTIONS_ALL
#endif
#include <napi.h>
