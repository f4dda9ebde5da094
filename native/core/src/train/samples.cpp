#include "gazecoder/train/samples.h"

#include <stdexcept>
#include <string>

namespace gazecoder::train {

std::vector<Window> collectWindows(const int32_t* frameCrop, const int8_t* labels, int64_t frames,
                                   const SampleOptions& options) {
  if (options.windowSize < 1 || options.stride < 1) {
    throw std::invalid_argument("window size and stride must be positive, got " + std::to_string(options.windowSize) +
                                " and " + std::to_string(options.stride));
  }
  const auto coder1 = [&](int64_t f) { return labels[2 * f]; };
  const auto coder2 = [&](int64_t f) { return labels[2 * f + 1]; };
  // usable[f]: frame f has a selected face and a valid coder-1 label; a window needs all of its frames
  // usable, so a running count of the unusable ones decides each start in O(1).
  std::vector<Window> windows;
  int64_t unusable = 0;
  const auto isUnusable = [&](int64_t f) { return frameCrop[f] < 0 || coder1(f) < 0; };
  for (int64_t f = 0; f < frames; ++f) {
    unusable += isUnusable(f);
    const int64_t start = f - options.windowSize + 1;
    if (start < 0) continue;
    if (start > 0) unusable -= isUnusable(start - 1);
    if (unusable != 0) continue;
    const int64_t middle = start + options.windowSize / 2;
    const int8_t label = coder1(middle);
    if (options.eliminateTransitions) {
      bool same = true;
      for (int64_t g = start; g <= f && same; ++g) same = coder1(g) == label;
      if (!same) continue;
    }
    if (options.useMutuallyAgreed && coder2(middle) != label) continue;
    windows.push_back({start, label});
  }
  return windows;
}

}  // namespace gazecoder::train
