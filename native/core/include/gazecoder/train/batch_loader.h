#pragma once
// Background threads that assemble batches of an epoch, in order, into a bounded prefetch queue.
// Batch b of epoch e always holds the same samples with the same augmentation (per-sample random
// streams derived from seed, epoch and sample index), whatever the number of workers.
#include <torch/types.h>

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "gazecoder/train/clips.h"
#include "gazecoder/train/dataset.h"
#include "gazecoder/train/sample_transform.h"

namespace gazecoder::train {

struct Batch {
  int64_t index = 0;     // within the epoch
  int64_t offset = 0;    // of this shard's first sample in the whole batch
  int64_t globalSize = 0;  // samples of the whole batch (of all shards)
  torch::Tensor images;  // B×N×3×S×S float32; shared-frame batches: U×3×S×S, each frame once
  torch::Tensor boxes;   // B×N×5 float32
  torch::Tensor labels;  // B int64
  torch::Tensor frameIndex;  // shared-frame batches: B×N int64, window i's frame j is images[frameIndex[i][j]]; else undefined
};

// More loader threads than any machine has cores for is a mistake, not a setting.
constexpr int kMaxLoaderWorkers = 256;

struct LoaderOptions {
  int64_t batchSize = 64;
  bool shuffle = false;
  uint64_t seed = 0;
  int64_t epoch = 0;
  SampleTransform transform;
  int workers = 2;  // at most kMaxLoaderWorkers
  int prefetch = 4;           // batches ready ahead of the consumer, per loader
  bool pinMemory = false;     // page-locked batches for non-blocking host-to-GPU copies (CUDA only)
  bool dropLast = false;      // drop a final partial batch (static shapes)
  bool dropLastSingle = true; // drop a final batch too small to give each shard 2 samples (BatchNorm cannot train on 1)
  // Data parallelism: each batch is split into `shardCount` contiguous slices of near-equal size and
  // this loader yields slice `shardIndex` (the augmentation of a sample does not depend on it).
  int64_t shardIndex = 0;
  int64_t shardCount = 1;
  // Shared-frame batches (--shared-frames): the epoch visits clips of up to this many consecutive
  // same-parity windows (clips.h) in shuffled order, a batch's frames are held once (Batch::frameIndex),
  // ColorJitter is drawn per frame and the flip per clip. 1: one window at a time, iCatcher+'s recipe.
  int64_t sharedFrames = 1;
};

// The order in which an epoch visits `count` samples: the identity, or a Fisher-Yates shuffle
// seeded by (seed, epoch).
std::vector<int64_t> epochOrder(int64_t count, bool shuffle, uint64_t seed, int64_t epoch);
// Batches an epoch of `count` samples yields under `options`.
int64_t batchCount(int64_t count, const LoaderOptions& options);

class BatchLoader {
 public:
  // Starts the workers at batch `firstBatch` (to resume mid-epoch). `dataset` must outlive the loader.
  BatchLoader(const Dataset& dataset, const std::vector<Sample>& samples, LoaderOptions options,
              int64_t firstBatch = 0);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  int64_t batches() const { return batches_; }
  // The next batch in order, or nothing after the last. Rethrows a worker's error.
  std::optional<Batch> next();

 private:
  const Dataset& dataset_;
  const std::vector<Sample>& samples_;
  LoaderOptions options_;
  std::vector<Clip> clips_;          // shared-frame batches only
  std::vector<int64_t> clipOfWindow_;  // per position of order_ (shared-frame batches only)
  std::vector<int64_t> order_;
  int64_t batches_;
  int64_t nextToProduce_;
  int64_t nextToConsume_;
  std::map<int64_t, Batch> ready_;
  std::exception_ptr error_;  // of the first batch that failed, errorIndex_
  int64_t errorIndex_ = 0;
  bool stopping_ = false;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::thread> workers_;

  void work();
  void stopWorkers();
  Batch assemble(int64_t index) const;
  void assembleSharedFrames(Batch& batch, int64_t begin, int64_t n) const;
};

}  // namespace gazecoder::train
