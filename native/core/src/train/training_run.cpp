#include "training_run.h"

namespace gazecoder::train {
namespace {

void shard(LoaderOptions& o, const Agreement& job) {
  if (!job.group()) return;
  o.shardIndex = job.rank();
  o.shardCount = job.size();
}

}  // namespace

std::optional<c10::ScalarType> TrainingRun::autocastDtype() const {
  if (config.amp == AmpMode::Float16) return torch::kFloat16;
  if (config.amp == AmpMode::BFloat16) return torch::kBFloat16;
  return std::nullopt;
}

LoaderOptions TrainingRun::trainLoaderOptions() const {
  LoaderOptions o;
  o.batchSize = config.batchSize;
  o.shuffle = true;
  o.seed = config.seed;
  o.epoch = progress.epoch;
  o.transform.colorJitter = true;
  o.transform.jitter = config.jitter;
  o.transform.horizontalFlip = config.horizontalFlip;
  o.sharedFrames = config.sharedFrames;
  o.workers = static_cast<int>(config.workers);
  o.pinMemory = device.is_cuda();
  shard(o, *job);
  return o;
}

LoaderOptions TrainingRun::valLoaderOptions() const {
  LoaderOptions o;
  o.batchSize = config.batchSize;
  o.workers = static_cast<int>(config.workers);
  o.pinMemory = device.is_cuda();
  o.dropLastSingle = false;  // eval-mode BatchNorm takes a batch of one
  shard(o, *job);
  return o;
}

}  // namespace gazecoder::train
