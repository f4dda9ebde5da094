#include "gazecoder/train/sample_transform.h"

#include <algorithm>
#include <cstring>

namespace gazecoder::train {

void writeCropImage(const Dataset& dataset, const Video& video, int64_t crop, const SampleTransform& transform,
                    const ColorJitterParams* jitter, float* chw) {
  const int64_t size = dataset.imageSize;
  const int64_t pixels = size * size;
  const uint8_t* hwc = video.crops.as<uint8_t>() + crop * pixels * 3;
  // ToTensor: HWC uint8 -> CHW float in [0, 1] (x / 255 in float32, as torch divides).
  for (int64_t i = 0; i < pixels; ++i) {
    for (int64_t c = 0; c < 3; ++c) chw[c * pixels + i] = static_cast<float>(hwc[i * 3 + c]) / 255.0f;
  }
  if (jitter) applyColorJitter(chw, pixels, *jitter);
  // Normalize: (x - mean) / std per channel, as tensor.sub_(mean).div_(std).
  for (int64_t c = 0; c < 3; ++c) {
    float* plane = chw + c * pixels;
    for (int64_t i = 0; i < pixels; ++i) plane[i] = (plane[i] - transform.mean[c]) / transform.std[c];
  }
}

void mirrorPlanes(float* planes, int64_t count, int64_t size) {
  for (int64_t plane = 0; plane < count; ++plane) {
    for (int64_t y = 0; y < size; ++y) {
      float* row = planes + (plane * size + y) * size;
      std::reverse(row, row + size);
    }
  }
}

int64_t assembleSample(const Dataset& dataset, const Sample& sample, const SampleTransform& transform, Rng& rng,
                       float* images, float* boxes) {
  const Video& video = dataset.videos.at(sample.video);
  const int64_t size = dataset.imageSize;
  const int64_t frames = dataset.sampleOptions.framesPerSample();
  const int32_t* frameCrop = video.frameCrop.as<int32_t>();
  const float* cropBoxes = video.boxes.as<float>();
  for (int64_t j = 0; j < frames; ++j) {
    const int64_t crop = frameCrop[sample.start + j * dataset.sampleOptions.stride];
    ColorJitterParams jitter;
    if (transform.colorJitter) jitter = sampleColorJitter(transform.jitter, rng);
    writeCropImage(dataset, video, crop, transform, transform.colorJitter ? &jitter : nullptr, images + j * 3 * size * size);
    std::memcpy(boxes + j * 5, cropBoxes + crop * 5, 5 * sizeof(float));
  }
  int64_t label = sample.label;
  if (transform.horizontalFlip && rng.coin()) {
    // iCatcher+'s --horiz_flip: mirror every frame, face_hor -> 1 - face_hor, left <-> right.
    mirrorPlanes(images, frames * 3, size);
    for (int64_t j = 0; j < frames; ++j) boxes[j * 5 + 2] = 1.0f - boxes[j * 5 + 2];
    label = mirroredLabel(label);
  }
  return label;
}

}  // namespace gazecoder::train
