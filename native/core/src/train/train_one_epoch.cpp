#include "train_one_epoch.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "gazecoder/distributed/batch_shard.h"
#include "gazecoder/train/random.h"
#include "out_of_memory.h"

namespace gazecoder::train {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

struct StepResult {
  double loss;      // mean over the (global) batch
  int64_t correct;  // of the global batch
  bool skipped;
};

StepResult trainStep(TrainingRun& run, const Batch& batch) {
  // Dropout draws from LibTorch's global generator: seeding it per step makes a resumed run draw
  // what the uninterrupted one drew.
  torch::manual_seed(deriveSeed(run.config.seed, Stream::Dropout, {static_cast<uint64_t>(run.progress.step)}));
  run.broadcastBuffers();
  const bool nonBlocking = run.device.is_cuda();
  const auto images = batch.images.to(run.device, nonBlocking);
  const auto boxes = batch.boxes.to(run.device, nonBlocking);
  const auto labels = batch.labels.to(run.device, nonBlocking);
  const auto frameIndex = batch.frameIndex.defined() ? batch.frameIndex.to(run.device, nonBlocking) : torch::Tensor();
  const auto group = run.job->group();
  if (!group) {
    const StepOutcome outcome = (*run.step)(images, boxes, labels, nullptr, nullptr, frameIndex);
    return {outcome.loss.item<double>(), outcome.correct.item<int64_t>(), outcome.skipped};
  }
  // A job's totals are summed before the optimizer step, so a failed collective leaves the step untaken.
  const distributed::BatchShard shard{batch.offset, batch.labels.size(0), batch.globalSize,
                                      run.config.syncBatchNorm ? group : nullptr};
  std::vector<double> totals;
  const StepOutcome outcome = (*run.step)(images, boxes, labels, &shard, [&](const StepOutcome& o) {
    totals = run.job->sumWithStop({o.loss.item<double>(), o.correct.item<double>()});
  }, frameIndex);
  return {totals[0], static_cast<int64_t>(totals[1]), outcome.skipped};
}

}  // namespace

bool trainOneEpoch(TrainingRun& run, Checkpointer& checkpointer, MetricsLog& log) {
  BatchLoader loader(run.dataset, run.dataset.train, run.trainLoaderOptions(), run.progress.batch);
  run.model->train();
  if (run.config.freezeEncoderBatchNorm) freezeBatchNorm(run.model->encoderImg());
  auto& progress = run.progress;
  const auto epochStart = Clock::now();
  const double secondsBefore = progress.trainSeconds;
  auto last = Clock::now();
  std::optional<Batch> batch;
  while (!run.job->stopRequested() && (batch = loader.next())) {
    const StepResult result = guardMemory(run.config, "training", [&] { return trainStep(run, *batch); });
    const int64_t size = batch->globalSize;
    ++progress.step;
    progress.batch = batch->index + 1;
    progress.lossSum += result.loss * static_cast<double>(size);
    progress.correct += result.correct;
    progress.seen += size;
    progress.trainSeconds = secondsBefore + secondsSince(epochStart);
    const double seconds = secondsSince(last);
    last = Clock::now();
    const double rate = static_cast<double>(size) / std::max(seconds, 1e-9);
    run.samplesPerSecond = run.samplesPerSecond == 0 ? rate : 0.8 * run.samplesPerSecond + 0.2 * rate;

    StepEvent e;
    e.epoch = progress.epoch + 1;
    e.step = progress.step;
    e.batch = batch->index + 1;
    e.batches = run.batchesPerEpoch;
    e.loss = result.loss;
    e.lr = run.optimizer->lr();
    e.samplesPerSecond = run.samplesPerSecond;
    e.stepsPerSecond = run.samplesPerSecond / static_cast<double>(run.config.batchSize);
    if (run.scaler) e.lossScale = run.scaler->scaleValue();
    e.skipped = result.skipped;
    log.step(e, progress);

    // A periodic mid-epoch checkpoint, so that a killed run loses at most checkpointEvery steps. Not
    // after the epoch's last batch: the epoch's end writes one after validation anyway.
    if (run.config.checkpointEvery > 0 && progress.step % run.config.checkpointEvery == 0 &&
        progress.batch < loader.batches()) {
      checkpointer.saveLast();
    }
  }
  if (progress.batch < loader.batches()) {
    checkpointer.saveLast();
    return false;
  }
  progress.trainDone = true;
  return true;
}

}  // namespace gazecoder::train
