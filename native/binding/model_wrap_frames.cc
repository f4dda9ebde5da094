// NativeModel.encodeImages / predictFromEmbeddings: a gaze model's forward pass in two halves, on
// worker threads, so that `gazecoder annotate` encodes each frame once and its overlapping windows
// share the embedding.
#include "async_task.h"
#include "js_values.h"
#include "model_wrap.h"
#include "tensor_values.h"

namespace gazecoder::binding {

Napi::Value ModelWrap::EncodeImages(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto model = live(env);
    torch::Tensor images = tensorFromJs(argument(args, 0), "images");
    return runAsync<torch::Tensor>(
        env, "gazecoder.encodeImages", [model, images] { return model->encodeImages(images); },
        [](Napi::Env env, torch::Tensor& out) -> Napi::Value { return tensorToJs(env, out); });
  });
}

Napi::Value ModelWrap::PredictFromEmbeddings(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto model = live(env);
    torch::Tensor embeddings = tensorFromJs(argument(args, 0), "embeddings");
    torch::Tensor boxes = tensorFromJs(argument(args, 1), "boxes");
    return runAsync<torch::Tensor>(
        env, "gazecoder.predictFromEmbeddings",
        [model, embeddings, boxes] { return model->predictFromEmbeddings(embeddings, boxes); },
        [](Napi::Env env, torch::Tensor& out) -> Napi::Value { return tensorToJs(env, out); });
  });
}

}  // namespace gazecoder::binding
