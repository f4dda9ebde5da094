#include "gazecoder/train/clips.h"

#include <stdexcept>
#include <string>

#include "gazecoder/train/batch_loader.h"

namespace gazecoder::train {

std::vector<Clip> groupClips(const std::vector<Sample>& samples, int64_t stride, int64_t maxWindows) {
  if (maxWindows < 1) throw std::invalid_argument("windows per clip must be positive, got " + std::to_string(maxWindows));
  if (stride < 1) throw std::invalid_argument("stride must be positive, got " + std::to_string(stride));
  std::vector<Clip> clips;
  // Same-parity windows interleave in the samples (starts t, t+1, t+2, ...): one clip grows per
  // residue of the start frame modulo the stride.
  std::vector<int64_t> growing;  // per residue: index into clips, or -1
  uint32_t video = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const Sample& s = samples[i];
    if (i == 0 || s.video != video) {
      growing.assign(static_cast<size_t>(stride), -1);
      video = s.video;
    }
    int64_t& at = growing[static_cast<size_t>(s.start % stride)];
    if (at >= 0) {
      Clip& clip = clips[static_cast<size_t>(at)];
      const int64_t lastStart = samples[static_cast<size_t>(clip.windows.back())].start;
      if (static_cast<int64_t>(clip.windows.size()) < maxWindows && lastStart + stride == s.start) {
        clip.windows.push_back(static_cast<int64_t>(i));
        continue;
      }
    }
    at = static_cast<int64_t>(clips.size());
    clips.push_back({{static_cast<int64_t>(i)}});
  }
  return clips;
}

std::vector<int64_t> clipEpochOrder(const std::vector<Clip>& clips, bool shuffle, uint64_t seed, int64_t epoch,
                                    std::vector<int64_t>* clipOfWindow) {
  std::vector<int64_t> order;
  if (clipOfWindow) clipOfWindow->clear();
  for (const int64_t c : epochOrder(static_cast<int64_t>(clips.size()), shuffle, seed, epoch)) {
    for (const int64_t window : clips[static_cast<size_t>(c)].windows) {
      order.push_back(window);
      if (clipOfWindow) clipOfWindow->push_back(c);
    }
  }
  return order;
}

}  // namespace gazecoder::train
