#pragma once
// A packed gazecoder dataset (docs/dataset-format.md) as training reads it: the
// videos of the train and val splits, memory-mapped, checked for consistency, and their windows.
// The manifest is read by the caller (TypeScript), which passes the videos it lists as done.
#include <cstdint>
#include <string>
#include <vector>

#include "gazecoder/train/npy_file.h"
#include "gazecoder/train/samples.h"

namespace gazecoder::train {

enum class Split { Train, Val };

struct VideoSource {
  std::string id;
  std::string dir;  // the folder holding crops.npy, boxes.npy, frame_crop.npy, labels.npy
  Split split = Split::Train;
};

// One video's arrays, mapped. Frame f's face is crops[frameCrop[f]] (S×S×3 uint8 RGB).
struct Video {
  std::string id;
  Split split = Split::Train;
  NpyFile crops;      // uint8 K×S×S×3
  NpyFile boxes;      // float32 K×5
  NpyFile frameCrop;  // int32 F
  NpyFile labels;     // int8 F×2
  int64_t frames() const { return frameCrop.shape()[0]; }

  // Maps the four files and checks their dtypes, shapes (S == imageSize) and crop indices; throws
  // DatasetError naming the file at fault.
  static Video open(const VideoSource& source, int64_t imageSize);
};

// A training sample: a window of one video.
struct Sample {
  uint32_t video;  // index into Dataset::videos
  int64_t start;
  int8_t label;
};

struct Dataset {
  int64_t imageSize = 0;
  SampleOptions sampleOptions;
  std::vector<Video> videos;
  std::vector<Sample> train;  // windows of the train split, by video then start frame
  std::vector<Sample> val;

  // Opens every video and collects its windows. Throws DatasetError when a split has no windows.
  static Dataset open(const std::vector<VideoSource>& sources, int64_t imageSize, const SampleOptions& options);
  // Samples per class (away, left, right).
  static std::vector<int64_t> classCounts(const std::vector<Sample>& samples);
};

}  // namespace gazecoder::train
