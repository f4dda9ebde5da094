#include "gazecoder/train/dataset.h"

#include <string>

namespace gazecoder::train {

Video Video::open(const VideoSource& source, int64_t imageSize) {
  const auto file = [&](const char* name) { return NpyFile::open(source.dir + "/" + name); };
  Video video;
  video.id = source.id;
  video.split = source.split;
  video.crops = file("crops.npy");
  video.boxes = file("boxes.npy");
  video.frameCrop = file("frame_crop.npy");
  video.labels = file("labels.npy");
  const std::string s = std::to_string(imageSize);
  video.crops.expect("|u1", {-1, imageSize, imageSize, 3}, "uint8 [K, " + s + ", " + s + ", 3] (manifest imageSize " + s + ")");
  const int64_t crops = video.crops.shape()[0];
  video.boxes.expect("<f4", {crops, 5}, "float32 [" + std::to_string(crops) + ", 5] (one row per crop of crops.npy)");
  video.frameCrop.expect("<i4", {-1}, "int32 [F]");
  const int64_t frames = video.frameCrop.shape()[0];
  video.labels.expect("|i1", {frames, 2}, "int8 [" + std::to_string(frames) + ", 2] (one row per frame of frame_crop.npy)");

  const int32_t* frameCrop = video.frameCrop.as<int32_t>();
  for (int64_t f = 0; f < frames; ++f) {
    if (frameCrop[f] >= crops || frameCrop[f] < -1) {
      throw DatasetError(video.frameCrop.path() + ": frame " + std::to_string(f) + " names crop " +
                         std::to_string(frameCrop[f]) + ", but crops.npy holds " + std::to_string(crops));
    }
  }
  const int8_t* labels = video.labels.as<int8_t>();
  for (int64_t i = 0; i < 2 * frames; ++i) {
    if (labels[i] > 2 || (labels[i] < 0 && labels[i] != -2 && labels[i] != -1)) {
      throw DatasetError(video.labels.path() + ": frame " + std::to_string(i / 2) + " has label " +
                         std::to_string(labels[i]) + " (expected 0 away, 1 left, 2 right or -2 invalid)");
    }
  }
  return video;
}

Dataset Dataset::open(const std::vector<VideoSource>& sources, int64_t imageSize, const SampleOptions& options) {
  if (imageSize <= 0) throw DatasetError("imageSize must be positive, got " + std::to_string(imageSize));
  Dataset dataset;
  dataset.imageSize = imageSize;
  dataset.sampleOptions = options;
  for (const auto& source : sources) {
    const auto index = static_cast<uint32_t>(dataset.videos.size());
    Video video = Video::open(source, imageSize);
    const int8_t* labels = video.labels.as<int8_t>();
    SampleOptions own = options;
    // iCatcher+ applies --use_mutually_agreed only to videos that have a second coder's labels.
    bool hasCoder2 = false;
    for (int64_t f = 0; f < video.frames() && !hasCoder2; ++f) hasCoder2 = labels[2 * f + 1] >= 0;
    own.useMutuallyAgreed = options.useMutuallyAgreed && hasCoder2;
    auto& samples = source.split == Split::Train ? dataset.train : dataset.val;
    for (const auto& window : collectWindows(video.frameCrop.as<int32_t>(), labels, video.frames(), own)) {
      samples.push_back({index, window.start, window.label});
    }
    dataset.videos.push_back(std::move(video));
  }
  for (const auto& [samples, name] : {std::pair{&dataset.train, "train"}, std::pair{&dataset.val, "val"}}) {
    if (samples->empty()) {
      int64_t videos = 0;
      for (const auto& source : sources) videos += (source.split == Split::Train) == (std::string(name) == "train");
      throw DatasetError(std::string("no training windows in the ") + name + " split (" + std::to_string(videos) +
                         " done videos): a window needs " + std::to_string(options.windowSize) +
                         " consecutive frames with a face and a valid label");
    }
  }
  return dataset;
}

std::vector<int64_t> Dataset::classCounts(const std::vector<Sample>& samples) {
  std::vector<int64_t> counts(3, 0);
  for (const auto& sample : samples) ++counts.at(static_cast<size_t>(sample.label));
  return counts;
}

}  // namespace gazecoder::train
