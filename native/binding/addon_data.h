#pragma once
// What one addon instance keeps: the constructors of its classes, reachable only through their
// create functions (createModel, createRetinaFace, createFaceClassifier).
#include "napi_exceptions.h"

namespace gazecoder::binding {

struct AddonData {
  Napi::FunctionReference model;
  Napi::FunctionReference retinaFace;
  Napi::FunctionReference faceClassifier;
};

inline AddonData& addonData(Napi::Env env) { return *env.GetInstanceData<AddonData>(); }

}  // namespace gazecoder::binding
