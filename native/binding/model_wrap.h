#pragma once
#include "napi_exceptions.h"

#include <memory>

#include "gazecoder/model.h"

namespace gazecoder::binding {

// JS handle of a core Model. Calls run on worker threads holding their own reference, so dispose()
// frees the model as soon as no call is in flight.
class ModelWrap : public Napi::ObjectWrap<ModelWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  // createModel(spec) -> Promise<ModelWrap>: building a large model takes seconds.
  static Napi::Value Create(const Napi::CallbackInfo& args);

  explicit ModelWrap(const Napi::CallbackInfo& args);

 private:
  std::shared_ptr<Model> model_;

  std::shared_ptr<Model> live(Napi::Env env) const;
  Napi::Value Describe(const Napi::CallbackInfo& args);
  Napi::Value LoadWeights(const Napi::CallbackInfo& args);
  Napi::Value SaveWeights(const Napi::CallbackInfo& args);
  Napi::Value Forward(const Napi::CallbackInfo& args);
  Napi::Value Convert(const Napi::CallbackInfo& args);
  // predictWindows(options): model_wrap_windows.cc
  Napi::Value PredictWindows(const Napi::CallbackInfo& args);
  // encodeImages(images), predictFromEmbeddings(embeddings, boxes): model_wrap_frames.cc
  Napi::Value EncodeImages(const Napi::CallbackInfo& args);
  Napi::Value PredictFromEmbeddings(const Napi::CallbackInfo& args);
  Napi::Value Dispose(const Napi::CallbackInfo& args);
};

}  // namespace gazecoder::binding
