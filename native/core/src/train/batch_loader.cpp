#include "gazecoder/train/batch_loader.h"

#include <torch/torch.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <tuple>
#include <utility>

#include "gazecoder/train/random.h"

namespace gazecoder::train {

std::vector<int64_t> epochOrder(int64_t count, bool shuffle, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i) order[i] = i;
  if (shuffle) {
    Rng rng(deriveSeed(seed, Stream::Shuffle, {static_cast<uint64_t>(epoch)}));
    for (int64_t i = count - 1; i > 0; --i) std::swap(order[i], order[rng.below(static_cast<uint64_t>(i) + 1)]);
  }
  return order;
}

int64_t batchCount(int64_t count, const LoaderOptions& options) {
  TORCH_CHECK(options.batchSize > 0, "batch size must be positive, got ", options.batchSize);
  const int64_t full = count / options.batchSize;
  const int64_t rest = count % options.batchSize;
  const bool keepRest = rest > 0 && !options.dropLast && !(options.dropLastSingle && rest < 2 * options.shardCount);
  return full + (keepRest ? 1 : 0);
}

BatchLoader::BatchLoader(const Dataset& dataset, const std::vector<Sample>& samples, LoaderOptions options,
                         int64_t firstBatch)
    : dataset_(dataset), samples_(samples), options_(std::move(options)),
      batches_(batchCount(static_cast<int64_t>(samples.size()), options_)), nextToProduce_(firstBatch),
      nextToConsume_(firstBatch) {
  TORCH_CHECK(options_.sharedFrames >= 1, "windows per clip must be positive, got ", options_.sharedFrames);
  if (options_.sharedFrames > 1) {
    clips_ = groupClips(samples_, dataset_.sampleOptions.stride, options_.sharedFrames);
    order_ = clipEpochOrder(clips_, options_.shuffle, options_.seed, options_.epoch, &clipOfWindow_);
  } else {
    order_ = epochOrder(static_cast<int64_t>(samples.size()), options_.shuffle, options_.seed, options_.epoch);
  }
  TORCH_CHECK(options_.shardCount > 0 && options_.shardIndex >= 0 && options_.shardIndex < options_.shardCount,
              "shard ", options_.shardIndex, " of ", options_.shardCount, " does not exist");
  TORCH_CHECK(options_.workers <= kMaxLoaderWorkers, "at most ", kMaxLoaderWorkers, " data loader workers, got ",
              options_.workers);
  const int workers = std::max(1, options_.workers);
  try {
    for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { work(); });
  } catch (const std::exception& e) {
    // No destructor runs for a half-built loader, and a joinable std::thread would terminate the process.
    const size_t started = workers_.size();
    stopWorkers();
    TORCH_CHECK(false, "cannot start data loader thread ", started + 1, " of ", workers, ": ", e.what());
  }
}

void BatchLoader::stopWorkers() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
}

BatchLoader::~BatchLoader() { stopWorkers(); }

std::optional<Batch> BatchLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  if (nextToConsume_ >= batches_) return std::nullopt;
  // Batches before the failed one still come, in order: every one of them was taken by a worker
  // before the failure stopped them, so each is ready or on its way (or fails first).
  changed_.wait(lock, [&] { return ready_.count(nextToConsume_) > 0 || (error_ && errorIndex_ == nextToConsume_); });
  auto found = ready_.find(nextToConsume_);
  if (found == ready_.end()) std::rethrow_exception(error_);
  Batch batch = std::move(found->second);
  ready_.erase(found);
  ++nextToConsume_;
  lock.unlock();
  changed_.notify_all();  // a slot of the prefetch window is free
  return batch;
}

void BatchLoader::work() {
  for (;;) {
    int64_t index;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] {
        return stopping_ || error_ || nextToProduce_ >= batches_ ||
               nextToProduce_ < nextToConsume_ + std::max(1, options_.prefetch);
      });
      if (stopping_ || error_ || nextToProduce_ >= batches_) return;
      index = nextToProduce_++;
    }
    try {
      Batch batch = assemble(index);
      {
        std::lock_guard<std::mutex> lock(mutex_);
        ready_.emplace(index, std::move(batch));
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      // The earliest failure is the one the consumer meets (workers may fail out of order).
      if (!error_ || index < errorIndex_) {
        error_ = std::current_exception();
        errorIndex_ = index;
      }
    }
    changed_.notify_all();
  }
}

Batch BatchLoader::assemble(int64_t index) const {
  const int64_t first = index * options_.batchSize;
  const int64_t globalSize = std::min<int64_t>(options_.batchSize, static_cast<int64_t>(order_.size()) - first);
  const int64_t offset = globalSize * options_.shardIndex / options_.shardCount;
  const int64_t begin = first + offset;
  const int64_t n = globalSize * (options_.shardIndex + 1) / options_.shardCount - offset;
  const int64_t frames = dataset_.sampleOptions.framesPerSample();
  const int64_t size = dataset_.imageSize;
  const auto options = torch::TensorOptions().pinned_memory(options_.pinMemory);
  Batch batch;
  batch.index = index;
  batch.offset = offset;
  batch.globalSize = globalSize;
  batch.images = torch::empty({n, frames, 3, size, size}, options.dtype(torch::kFloat32));
  batch.boxes = torch::empty({n, frames, 5}, options.dtype(torch::kFloat32));
  batch.labels = torch::empty({n}, options.dtype(torch::kInt64));
  if (options_.sharedFrames > 1) {
    assembleSharedFrames(batch, begin, n);
    return batch;
  }
  float* images = batch.images.data_ptr<float>();
  float* boxes = batch.boxes.data_ptr<float>();
  int64_t* labels = batch.labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const int64_t sampleIndex = order_[begin + i];
    // One stream per (epoch, sample): the same sample is augmented alike whichever worker takes it.
    Rng rng(deriveSeed(options_.seed, Stream::Augment,
                       {static_cast<uint64_t>(options_.epoch), static_cast<uint64_t>(sampleIndex)}));
    labels[i] = assembleSample(dataset_, samples_[sampleIndex], options_.transform, rng,
                               images + i * frames * 3 * size * size, boxes + i * frames * 5);
  }
  return batch;
}

void BatchLoader::assembleSharedFrames(Batch& batch, int64_t begin, int64_t n) const {
  const auto& sampling = dataset_.sampleOptions;
  const int64_t frames = sampling.framesPerSample();
  const int64_t size = dataset_.imageSize;
  const auto& transform = options_.transform;
  // A frame is held once per (video, frame, mirrored): two clips of one video that share frames but
  // drew different flips keep a copy each.
  struct Key {
    uint32_t video;
    int64_t frame;
    bool mirrored;
    bool operator<(const Key& o) const {
      return std::tie(video, frame, mirrored) < std::tie(o.video, o.frame, o.mirrored);
    }
  };
  std::map<Key, int64_t> unique;
  std::vector<Key> keys;
  batch.frameIndex = torch::empty({n, frames}, torch::TensorOptions().dtype(torch::kInt64).pinned_memory(options_.pinMemory));
  int64_t* frameIndex = batch.frameIndex.data_ptr<int64_t>();
  float* boxes = batch.boxes.data_ptr<float>();
  int64_t* labels = batch.labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const Sample& sample = samples_[static_cast<size_t>(order_[static_cast<size_t>(begin + i)])];
    const Video& video = dataset_.videos.at(sample.video);
    const auto clip = static_cast<uint64_t>(clipOfWindow_[static_cast<size_t>(begin + i)]);
    const bool mirrored =
        transform.horizontalFlip &&
        Rng(deriveSeed(options_.seed, Stream::ClipFlip, {static_cast<uint64_t>(options_.epoch), clip})).coin();
    const int32_t* frameCrop = video.frameCrop.as<int32_t>();
    const float* cropBoxes = video.boxes.as<float>();
    for (int64_t j = 0; j < frames; ++j) {
      const int64_t frame = sample.start + j * sampling.stride;
      const Key key{sample.video, frame, mirrored};
      auto [at, added] = unique.emplace(key, static_cast<int64_t>(keys.size()));
      if (added) keys.push_back(key);
      frameIndex[i * frames + j] = at->second;
      float* box = boxes + (i * frames + j) * 5;
      std::memcpy(box, cropBoxes + frameCrop[frame] * 5, 5 * sizeof(float));
      if (mirrored) box[2] = 1.0f - box[2];
    }
    labels[i] = mirrored ? mirroredLabel(sample.label) : sample.label;
  }
  const auto u = static_cast<int64_t>(keys.size());
  batch.images = torch::empty({u, 3, size, size}, torch::TensorOptions().dtype(torch::kFloat32).pinned_memory(options_.pinMemory));
  float* images = batch.images.data_ptr<float>();
  for (int64_t k = 0; k < u; ++k) {
    const Key& key = keys[static_cast<size_t>(k)];
    const Video& video = dataset_.videos.at(key.video);
    float* chw = images + k * 3 * size * size;
    // One jitter per (epoch, video, frame), drawn alike for a frame's mirrored and plain copies.
    ColorJitterParams jitter;
    if (transform.colorJitter) {
      Rng rng(deriveSeed(options_.seed, Stream::FrameJitter,
                         {static_cast<uint64_t>(options_.epoch), key.video, static_cast<uint64_t>(key.frame)}));
      jitter = sampleColorJitter(transform.jitter, rng);
    }
    writeCropImage(dataset_, video, video.frameCrop.as<int32_t>()[key.frame], transform,
                   transform.colorJitter ? &jitter : nullptr, chw);
    if (key.mirrored) mirrorPlanes(chw, 3, size);
  }
}

}  // namespace gazecoder::train
