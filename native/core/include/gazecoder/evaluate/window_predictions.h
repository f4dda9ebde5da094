#pragma once
// A model's prediction for every window of some videos of a packed dataset, the windows and their
// inputs built exactly as training builds its validation batches: train::collectWindows (iCatcher+'s
// rule) and train::BatchLoader without augmentation (ToTensor + Normalize). What `gazecoder test` scores.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "gazecoder/model.h"
#include "gazecoder/train/dataset.h"
#include "gazecoder/train/samples.h"

namespace gazecoder {

struct WindowPredictionOptions {
  int64_t imageSize = 100;        // side of the dataset's square crops
  train::SampleOptions samples;   // window size and stride; the transition and agreement filters stay off
  std::array<float, 3> mean{0.485f, 0.456f, 0.406f};
  std::array<float, 3> std{0.229f, 0.224f, 0.225f};
  int64_t batchSize = 64;
  int workers = 2;                // batch assembling threads
};

struct WindowPredictions {
  std::vector<std::string> videos;  // video ids, in the order given
  std::vector<uint32_t> video;      // per window: index into videos
  std::vector<int32_t> start;       // per window: its first frame
  std::vector<int8_t> label;        // per window: coder 1's label of the middle frame
  std::vector<int8_t> predicted;    // per window: argmax of the logits
  std::vector<float> logits;        // 3 per window: away, left, right
};

// Runs `model` (a gaze model) in eval mode on every window of `sources`, in video then frame order.
// Throws train::DatasetError naming a file that is missing or inconsistent.
WindowPredictions predictWindows(Model& model, const std::vector<train::VideoSource>& sources,
                                 const WindowPredictionOptions& options);

}  // namespace gazecoder
