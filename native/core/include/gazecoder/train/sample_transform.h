#pragma once
// Turning one window into model input, as iCatcher+'s DataTransforms do: RGB uint8 crops -> ToTensor
// -> (train) ColorJitter per frame -> Normalize, then (train, optional) a horizontal flip of the whole
// window that also mirrors the boxes and swaps left and right.
#include <array>
#include <cstdint>

#include "gazecoder/train/color_jitter.h"
#include "gazecoder/train/dataset.h"
#include "gazecoder/train/random.h"

namespace gazecoder::train {

struct SampleTransform {
  bool colorJitter = false;
  ColorJitterRanges jitter;
  bool horizontalFlip = false;  // with probability 0.5 per window
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};  // ImageNet, iCatcher+'s Lookit default
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
};

// Writes sample `sample` of `dataset`: images N×3×S×S float32 at `images`, boxes N×5 at `boxes`;
// returns the (possibly flipped) label. Random choices come from `rng` (one per sample).
int64_t assembleSample(const Dataset& dataset, const Sample& sample, const SampleTransform& transform, Rng& rng,
                       float* images, float* boxes);

// One crop of `video` as a frame of model input: ToTensor, ColorJitter with `jitter` (when not
// null), Normalize; 3×S×S float32 at `chw`. The per-frame part of assembleSample.
void writeCropImage(const Dataset& dataset, const Video& video, int64_t crop, const SampleTransform& transform,
                    const ColorJitterParams* jitter, float* chw);
// Mirrors `planes` S×S float planes left to right (the image part of the horizontal flip).
void mirrorPlanes(float* planes, int64_t count, int64_t size);
// The label of a mirrored window: left and right swap.
inline int64_t mirroredLabel(int64_t label) { return label == 1 || label == 2 ? 3 - label : label; }

}  // namespace gazecoder::train
