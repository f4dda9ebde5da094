#pragma once
// JS handles of the core's face models: RetinaFace (the detector) and the infant-face classifier. Like
// ModelWrap, every call runs on a worker thread holding its own reference, so dispose() frees the
// network as soon as no call is in flight.
#include "napi_exceptions.h"

#include <memory>

#include "gazecoder/faces/infant_face_classifier.h"
#include "gazecoder/faces/retinaface.h"

namespace gazecoder::binding {

class RetinaFaceWrap : public Napi::ObjectWrap<RetinaFaceWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  // createRetinaFace({ weights, device }) -> Promise<RetinaFaceWrap>: builds the network and loads the file.
  static Napi::Value Create(const Napi::CallbackInfo& args);
  explicit RetinaFaceWrap(const Napi::CallbackInfo& args);

 private:
  std::shared_ptr<RetinaFace> detector_;
  // detect(frames, options) -> Promise<detections per frame>
  Napi::Value Detect(const Napi::CallbackInfo& args);
  Napi::Value Dispose(const Napi::CallbackInfo& args);
};

class FaceClassifierWrap : public Napi::ObjectWrap<FaceClassifierWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  // createFaceClassifier({ weights, device }) -> Promise<FaceClassifierWrap>
  static Napi::Value Create(const Napi::CallbackInfo& args);
  explicit FaceClassifierWrap(const Napi::CallbackInfo& args);

 private:
  std::shared_ptr<InfantFaceClassifier> classifier_;
  // classify(crops) -> Promise<{ label, logits }[]>
  Napi::Value Classify(const Napi::CallbackInfo& args);
  Napi::Value Dispose(const Napi::CallbackInfo& args);
};

}  // namespace gazecoder::binding
