#pragma once
// Training across the boundary: the JS options object -> TrainRequest, and the core's events -> the
// plain objects that @gazecoder/torch's train() yields (see packages/torch/src/train.ts for the types).
#include "napi_exceptions.h"

#include "gazecoder/train/trainer.h"

namespace gazecoder::binding {

// Throws a TypeError naming the member that has the wrong type.
train::TrainRequest trainRequestFromJs(const Napi::Object& options);

Napi::Object trainEventToJs(Napi::Env env, const train::TrainEvent& event);

}  // namespace gazecoder::binding
