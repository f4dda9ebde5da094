#include "train_session.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "errors.h"
#include "js_values.h"
#include "train_values.h"

namespace gazecoder::binding {
namespace {

struct Job {
  std::atomic<bool> stop{false};
  std::thread thread;
  Napi::ThreadSafeFunction onEvent;
};

// What the thread posts: an event, or the error that ended the run.
struct Posted {
  std::optional<train::TrainEvent> event;
  std::string error;
};

void deliver(Napi::Env env, Napi::Function callback, Posted* posted) {
  std::unique_ptr<Posted> owned(posted);
  if (env == nullptr || callback.IsEmpty()) return;  // the environment is shutting down
  Napi::Object value;
  if (owned->event) {
    value = trainEventToJs(env, *owned->event);
  } else {
    value = Napi::Object::New(env);
    value.Set("type", "error");
    value.Set("message", owned->error);
  }
  callback.Call({value});
}

}  // namespace

Napi::Value StartTraining(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (args.Length() < 2 || !args[0].IsObject() || !args[1].IsFunction()) {
      throw Napi::TypeError::New(env, "startTraining(options, onEvent) needs an options object and a function");
    }
    train::TrainRequest request = trainRequestFromJs(args[0].As<Napi::Object>());
    auto job = std::make_shared<Job>();
    // Unlimited queue: the thread never blocks on JS. The finaliser runs on the JS thread once the run
    // has released the function, i.e. right before its thread returns, so joining is immediate.
    job->onEvent = Napi::ThreadSafeFunction::New(env, args[1].As<Napi::Function>(), "gazecoder.train", 0, 1,
                                                 [job](Napi::Env) {
                                                   if (job->thread.joinable()) job->thread.join();
                                                 });
    try {
      job->thread = std::thread([job, request = std::move(request)] {
        const auto post = [&](Posted* posted) {
          if (job->onEvent.NonBlockingCall(posted, deliver) != napi_ok) {
            delete posted;
            job->stop = true;  // nobody listens any more (environment closing): end the run
          }
        };
        std::string error;
        const bool ok = captureErrors(
            [&] {
              train::runTraining(request, [&](const train::TrainEvent& e) { post(new Posted{e, {}}); }, job->stop);
            },
            error);
        if (!ok) post(new Posted{std::nullopt, error});
        job->onEvent.Release();
      });
    } catch (const std::exception& e) {
      job->onEvent.Release();  // no thread will: the finaliser then runs and finds nothing to join
      throw Napi::Error::New(env, std::string("cannot start the training thread: ") + e.what());
    }
    Napi::Object handle = Napi::Object::New(env);
    handle.Set("stop", Napi::Function::New(env, [job](const Napi::CallbackInfo& info) {
                 job->stop = true;
                 return info.Env().Undefined();
               }, "stop"));
    return handle;
  });
}

// Ends the process at once. exit() would run LibTorch's and OpenMP's static destructors while a
// training thread still uses them, and the process could crash instead of exiting with `code`.
Napi::Value QuickExit(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  const auto code = guarded(env, [&] { return static_cast<int>(requireInteger(args, 0, "code", 0, 255)); });
  std::fflush(nullptr);
  std::_Exit(code);
}

}  // namespace gazecoder::binding
