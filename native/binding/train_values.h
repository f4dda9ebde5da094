#pragma once
// Training across the boundary: the JS options object -> TrainRequest (and its videos, which
// predictWindows reads too), and the core's events -> the plain objects that @gazecoder/torch's
// train() yields (see packages/torch/src/train.ts for the types).
#include "napi_exceptions.h"

#include <vector>

#include "gazecoder/train/trainer.h"

namespace gazecoder::binding {

// options.videos: [{ id, dir }], each with its split ('train' or 'val') when `withSplit` (training);
// without, a video needs a non-empty id and dir (predictWindows). Throws a TypeError naming the entry.
std::vector<train::VideoSource> videosFromJs(const Napi::Object& options, bool withSplit);

// Throws a TypeError naming the member that has the wrong type.
train::TrainRequest trainRequestFromJs(const Napi::Object& options);

Napi::Object trainEventToJs(Napi::Env env, const train::TrainEvent& event);

}  // namespace gazecoder::binding
