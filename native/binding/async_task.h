#pragma once
// Runs native work on a libuv worker thread and settles a JS promise with its result.
// C++ errors (c10::Error, std::exception) reject the promise with their message.
#include "napi_exceptions.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "errors.h"

namespace gazecoder::binding {

template <typename Result>
class AsyncTask : public Napi::AsyncWorker {
 public:
  using Work = std::function<Result()>;
  using ToJs = std::function<Napi::Value(Napi::Env, Result&)>;

  AsyncTask(Napi::Env env, const char* name, Work work, ToJs toJs)
      : Napi::AsyncWorker(env, name), deferred_(Napi::Promise::Deferred::New(env)),
        work_(std::move(work)), toJs_(std::move(toJs)) {}

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    std::string message;
    if (!captureErrors([this] { result_ = work_(); }, message)) SetError(message);
  }
  void OnOK() override {
    Napi::Env env = Env();
    std::string message;
    Napi::Value value;
    // Converting the result may throw too (e.g. a tensor of an unsupported dtype).
    if (captureErrors([&] { value = toJs_(env, result_); }, message)) {
      deferred_.Resolve(value);
    } else {
      deferred_.Reject(Napi::Error::New(env, message).Value());
    }
  }
  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  Work work_;
  ToJs toJs_;
  Result result_{};
};

// Queues `work` and returns the promise of its converted result.
template <typename Result>
Napi::Promise runAsync(Napi::Env env, const char* name, typename AsyncTask<Result>::Work work,
                       typename AsyncTask<Result>::ToJs toJs) {
  auto* task = new AsyncTask<Result>(env, name, std::move(work), std::move(toJs));  // freed by N-API
  Napi::Promise promise = task->promise();
  task->Queue();
  return promise;
}

}  // namespace gazecoder::binding
