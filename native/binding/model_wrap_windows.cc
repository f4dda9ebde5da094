// NativeModel.predictWindows(options): the model's prediction for every window of a packed dataset's
// videos (core: gazecoder/evaluate/window_predictions.h), on a worker thread.
#include <cstdint>
#include <cstring>

#include "async_task.h"
#include "gazecoder/evaluate/window_predictions.h"
#include "gazecoder/train/batch_loader.h"
#include "js_values.h"
#include "model_wrap.h"
#include "train_values.h"

namespace gazecoder::binding {
namespace {

// Three finite numbers (per-channel mean or std); `positive` for divisors.
std::array<float, 3> triple(const Napi::Object& options, const char* key, const std::array<float, 3>& fallback, bool positive) {
  Napi::Value v = options.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 3) throw Napi::TypeError::New(options.Env(), std::string(key) + " must be an array of 3 numbers");
  std::array<float, 3> out{};
  for (uint32_t i = 0; i < 3; ++i) {
    const std::string name = std::string(key) + "[" + std::to_string(i) + "]";
    const double x = finiteNumber(v.As<Napi::Array>().Get(i), name);
    if (positive && !(x > 0)) throw Napi::RangeError::New(options.Env(), name + " must be positive, got " + describeNumber(x));
    out[i] = static_cast<float>(x);
  }
  return out;
}

template <typename Array, typename T>
Array copyTo(Napi::Env env, const std::vector<T>& values) {
  Array out = Array::New(env, values.size());
  if (!values.empty()) std::memcpy(out.Data(), values.data(), values.size() * sizeof(T));
  return out;
}

Napi::Value predictionsToJs(Napi::Env env, const WindowPredictions& p) {
  Napi::Object out = Napi::Object::New(env);
  Napi::Array videos = Napi::Array::New(env, p.videos.size());
  for (size_t i = 0; i < p.videos.size(); ++i) videos.Set(static_cast<uint32_t>(i), p.videos[i]);
  out.Set("videos", videos);
  out.Set("video", copyTo<Napi::Uint32Array>(env, p.video));
  out.Set("start", copyTo<Napi::Int32Array>(env, p.start));
  out.Set("label", copyTo<Napi::Int8Array>(env, p.label));
  out.Set("predicted", copyTo<Napi::Int8Array>(env, p.predicted));
  out.Set("logits", copyTo<Napi::Float32Array>(env, p.logits));
  return out;
}

}  // namespace

Napi::Value ModelWrap::PredictWindows(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto model = live(env);
    const Napi::Object options = optionalObject(args, 0, "options");
    const std::vector<train::VideoSource> videos = videosFromJs(options, /*withSplit=*/false);
    WindowPredictionOptions o;
    o.imageSize = integerOr(options, "imageSize", o.imageSize, 1, INT32_MAX);
    o.samples.windowSize = integerOr(options, "windowSize", o.samples.windowSize, 1, INT32_MAX);
    o.samples.stride = integerOr(options, "stride", o.samples.stride, 1, INT32_MAX);
    o.mean = triple(options, "mean", o.mean, false);
    o.std = triple(options, "std", o.std, true);
    o.batchSize = integerOr(options, "batchSize", o.batchSize, 1, INT32_MAX);
    o.workers = static_cast<int>(integerOr(options, "workers", o.workers, 1, train::kMaxLoaderWorkers));
    return runAsync<WindowPredictions>(
        env, "gazecoder.predictWindows", [model, videos, o] { return predictWindows(*model, videos, o); },
        [](Napi::Env env, WindowPredictions& p) -> Napi::Value { return predictionsToJs(env, p); });
  });
}

}  // namespace gazecoder::binding
