// NativeModel.encodeImages / predictFromEmbeddings: a gaze model's forward pass in two halves, on
// worker threads, so that `gazecoder annotate` encodes each frame once and its overlapping windows
// share the embedding.
#include "async_task.h"
#include "model_wrap.h"
#include "tensor_values.h"

namespace gazecoder::binding {

Napi::Value ModelWrap::EncodeImages(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  auto model = live(env);
  if (args.Length() < 1) throw Napi::TypeError::New(env, "encodeImages(images) needs images K×3×H×W");
  torch::Tensor images = tensorFromJs(args[0], "images");
  return runAsync<torch::Tensor>(
      env, "gazecoder.encodeImages", [model, images] { return model->encodeImages(images); },
      [](Napi::Env env, torch::Tensor& out) -> Napi::Value { return tensorToJs(env, out); });
}

Napi::Value ModelWrap::PredictFromEmbeddings(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  auto model = live(env);
  if (args.Length() < 2) throw Napi::TypeError::New(env, "predictFromEmbeddings(embeddings, boxes) needs both");
  torch::Tensor embeddings = tensorFromJs(args[0], "embeddings");
  torch::Tensor boxes = tensorFromJs(args[1], "boxes");
  return runAsync<torch::Tensor>(
      env, "gazecoder.predictFromEmbeddings",
      [model, embeddings, boxes] { return model->predictFromEmbeddings(embeddings, boxes); },
      [](Napi::Env env, torch::Tensor& out) -> Napi::Value { return tensorToJs(env, out); });
}

}  // namespace gazecoder::binding
