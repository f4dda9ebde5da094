#pragma once
// A training run on its own std::thread (not the libuv pool, which it would hold for hours), posting
// its events to JS through a Napi::ThreadSafeFunction. The event loop never waits on it; stop() asks it
// to end after the current step (it then writes a checkpoint); the thread is joined as soon as it has
// posted its last event, and all native memory of the run is freed with it.
#include "napi_exceptions.h"

namespace gazecoder::binding {

// startTraining(options, onEvent) -> { stop(): void }. onEvent receives the start, step, epoch and done
// events, or one { type: 'error', message } when the run fails; either is the last call.
Napi::Value StartTraining(const Napi::CallbackInfo& args);

// quickExit(code): ends the process without running C++ destructors, for a second Ctrl-C while a
// training thread runs (exit() would tear LibTorch down under it).
Napi::Value QuickExit(const Napi::CallbackInfo& args);

}  // namespace gazecoder::binding
