#pragma once
// iCatcher+'s training samples (reproduce/data.py): windows of 9 frames sampled with stride 2 (5
// frames), labelled with coder 1's label of the middle frame.
#include <cstdint>
#include <vector>

namespace gazecoder::train {

struct SampleOptions {
  int64_t windowSize = 9;  // frames a window spans (iCatcher+'s sliding_window_size)
  int64_t stride = 2;      // frames between the sampled ones (window_stride)
  bool eliminateTransitions = false;  // all frames of the window carry the same coder-1 label
  bool useMutuallyAgreed = false;     // coder 2 agrees with coder 1 on the middle frame

  // Frames per sample: (windowSize + 1) / stride, 5 for iCatcher+.
  int64_t framesPerSample() const { return (windowSize + 1) / stride; }
};

struct Window {
  int64_t start;  // first frame t; the sample is frames t, t+stride, ...
  int8_t label;   // coder 1 at t + windowSize / 2: 0 away, 1 left, 2 right
};

// The accepted windows of one video, by start frame. frameCrop[f] is frame f's crop (or < 0), labels
// is F×2 (coder 1, coder 2; < 0 is invalid). A window is accepted when every one of its windowSize
// frames has a crop and a valid coder-1 label, plus the options' conditions.
std::vector<Window> collectWindows(const int32_t* frameCrop, const int8_t* labels, int64_t frames,
                                   const SampleOptions& options);

}  // namespace gazecoder::train
