#pragma once
// Shared-frame training (`--shared-frames K`): an epoch's windows grouped into clips of up to K
// consecutive same-parity windows of one video (middles t, t+stride, ...). Neighbouring windows of a
// clip share all but one of their frames, so a batch made of whole clips holds each frame once and the
// image encoder runs once per frame instead of once per window and frame.
#include <cstdint>
#include <vector>

#include "gazecoder/train/dataset.h"

namespace gazecoder::train {

struct Clip {
  std::vector<int64_t> windows;  // indices into the samples, by start frame
};

// Groups `samples` (ordered by video, then start frame, as Dataset::open collects them) into clips of
// at most `maxWindows` windows: a window joins the clip of the window `stride` frames before it in the
// same video while that clip has room. Each window belongs to exactly one clip. maxWindows = 1 gives one clip
// per window.
std::vector<Clip> groupClips(const std::vector<Sample>& samples, int64_t stride, int64_t maxWindows);

// The order in which an epoch visits the samples: the clips in epochOrder's order (shuffled by
// (seed, epoch) when asked), each clip's windows consecutive. `clipOfWindow`, when given, receives for
// each position of the order the index of the clip it belongs to.
std::vector<int64_t> clipEpochOrder(const std::vector<Clip>& clips, bool shuffle, uint64_t seed, int64_t epoch,
                                    std::vector<int64_t>* clipOfWindow = nullptr);

}  // namespace gazecoder::train
