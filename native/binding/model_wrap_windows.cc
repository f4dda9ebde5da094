// NativeModel.predictWindows(options): the model's prediction for every window of a packed dataset's
// videos (core: gazecoder/evaluate/window_predictions.h), on a worker thread.
#include <cstring>

#include "async_task.h"
#include "gazecoder/evaluate/window_predictions.h"
#include "js_values.h"
#include "model_wrap.h"

namespace gazecoder::binding {
namespace {

std::array<float, 3> triple(const Napi::Object& options, const char* key, const std::array<float, 3>& fallback) {
  Napi::Value v = options.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsArray() || v.As<Napi::Array>().Length() != 3) throw Napi::TypeError::New(options.Env(), std::string(key) + " must be an array of 3 numbers");
  std::array<float, 3> out{};
  for (uint32_t i = 0; i < 3; ++i) {
    Napi::Value x = v.As<Napi::Array>().Get(i);
    if (!x.IsNumber()) throw Napi::TypeError::New(options.Env(), std::string(key) + " must be an array of 3 numbers");
    out[i] = x.As<Napi::Number>().FloatValue();
  }
  return out;
}

std::vector<train::VideoSource> videosFromJs(const Napi::Object& options) {
  Napi::Env env = options.Env();
  Napi::Value value = options.Get("videos");
  if (!value.IsArray()) throw Napi::TypeError::New(env, "videos must be an array of { id, dir }");
  Napi::Array array = value.As<Napi::Array>();
  std::vector<train::VideoSource> videos;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    Napi::Value entry = array.Get(i);
    if (!entry.IsObject()) throw Napi::TypeError::New(env, "videos[" + std::to_string(i) + "] must be { id, dir }");
    train::VideoSource source;
    source.id = stringOr(entry.As<Napi::Object>(), "id", "");
    source.dir = stringOr(entry.As<Napi::Object>(), "dir", "");
    if (source.id.empty() || source.dir.empty()) throw Napi::TypeError::New(env, "videos[" + std::to_string(i) + "] needs an id and a dir");
    videos.push_back(std::move(source));
  }
  return videos;
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
  auto model = live(env);
  const Napi::Object options = optionalObject(args, 0, "options");
  const std::vector<train::VideoSource> videos = videosFromJs(options);
  WindowPredictionOptions o;
  o.imageSize = static_cast<int64_t>(numberOr(options, "imageSize", static_cast<double>(o.imageSize)));
  o.samples.windowSize = static_cast<int64_t>(numberOr(options, "windowSize", static_cast<double>(o.samples.windowSize)));
  o.samples.stride = static_cast<int64_t>(numberOr(options, "stride", static_cast<double>(o.samples.stride)));
  o.mean = triple(options, "mean", o.mean);
  o.std = triple(options, "std", o.std);
  o.batchSize = static_cast<int64_t>(numberOr(options, "batchSize", static_cast<double>(o.batchSize)));
  o.workers = static_cast<int>(numberOr(options, "workers", o.workers));
  if (o.batchSize <= 0 || o.workers <= 0 || o.samples.windowSize <= 0 || o.samples.stride <= 0) {
    throw Napi::RangeError::New(env, "batchSize, workers, windowSize and stride must be positive");
  }
  return runAsync<WindowPredictions>(
      env, "gazecoder.predictWindows", [model, videos, o] { return predictWindows(*model, videos, o); },
      [](Napi::Env env, WindowPredictions& p) -> Napi::Value { return predictionsToJs(env, p); });
}

}  // namespace gazecoder::binding
