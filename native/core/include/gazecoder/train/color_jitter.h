#pragma once
// torchvision's ColorJitter on float images in [0, 1] (the tensor path of torchvision 0.14's
// functional_tensor: _blend, rgb_to_grayscale, _rgb2hsv/_hsv2rgb), in plain loops over planar CHW
// float32 buffers so that loader threads never touch LibTorch's thread pool. Each op does its
// arithmetic in float32 in torchvision's order, so results agree with torchvision to float rounding.
#include <array>
#include <cstdint>

#include "gazecoder/train/random.h"

namespace gazecoder::train {

// ColorJitter's arguments (iCatcher+: 0.2, 0.2, 0.2, 0.05); 0 switches an op off.
struct ColorJitterRanges {
  double brightness = 0.2;
  double contrast = 0.2;
  double saturation = 0.2;
  double hue = 0.05;
};

// One draw of ColorJitter.get_params: the order of the four ops (0 brightness, 1 contrast,
// 2 saturation, 3 hue) and their factors.
struct ColorJitterParams {
  std::array<int, 4> order{0, 1, 2, 3};
  double brightness = 1, contrast = 1, saturation = 1, hue = 0;
  bool useBrightness = false, useContrast = false, useSaturation = false, useHue = false;
};

// As get_params: a random permutation, then factors uniform in [max(0, 1 - b), 1 + b] (hue: [-h, h]).
ColorJitterParams sampleColorJitter(const ColorJitterRanges& ranges, Rng& rng);

// torchvision.transforms.functional on one 3×H×W image, in place. `pixels` = H·W.
void adjustBrightness(float* chw, int64_t pixels, double factor);
void adjustContrast(float* chw, int64_t pixels, double factor);
void adjustSaturation(float* chw, int64_t pixels, double factor);
void adjustHue(float* chw, int64_t pixels, double factor);
// The ops of `params` in their order, as ColorJitter.forward applies them.
void applyColorJitter(float* chw, int64_t pixels, const ColorJitterParams& params);

}  // namespace gazecoder::train
