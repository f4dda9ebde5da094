#include "gazecoder/train/batch_loader.h"

#include <torch/torch.h>

#include <algorithm>
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
      order_(epochOrder(static_cast<int64_t>(samples.size()), options_.shuffle, options_.seed, options_.epoch)),
      batches_(batchCount(static_cast<int64_t>(samples.size()), options_)), nextToProduce_(firstBatch),
      nextToConsume_(firstBatch) {
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

}  // namespace gazecoder::train
