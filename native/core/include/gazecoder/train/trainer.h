#pragma once
// The training loop: fine-tunes a GazeCodingModel on a packed dataset's train split, validates on its
// val split every epoch, keeps last.pth / best.pth / metrics.jsonl / config.json in the run folder, and
// reports progress as events. Runs on the calling thread; `stop` ends it after the current step with
// a checkpoint from which --resume continues exactly.
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>

#include "gazecoder/train/train_config.h"

namespace gazecoder::train {

struct StartEvent {
  std::string device;
  std::string arch;
  std::string amp;
  bool channelsLast = false;
  int64_t parameterCount = 0;
  int64_t trainVideos = 0, valVideos = 0;
  int64_t trainWindows = 0, valWindows = 0;
  std::array<int64_t, 3> trainClassCounts{}, valClassCounts{};
  int64_t batchesPerEpoch = 0;
  int64_t epochs = 0;
  int64_t startEpoch = 1;  // 1-based; > 1 or startBatch > 0 when resuming
  int64_t startBatch = 0;
  int64_t workers = 0;
  std::string configPath;
  int64_t rank = 0, worldSize = 1;  // this process in a data-parallel job
  std::string backend;              // the job's c10d backend; empty for one process
};

struct StepEvent {
  int64_t epoch = 0;    // 1-based
  int64_t step = 0;     // optimizer steps so far, this one included
  int64_t batch = 0;    // 1-based within the epoch
  int64_t batches = 0;  // per epoch
  double loss = 0;
  double lr = 0;
  double samplesPerSecond = 0;  // windows per second, smoothed over recent steps
  double stepsPerSecond = 0;
  std::optional<double> lossScale;  // fp16 only
  bool skipped = false;             // fp16 step skipped for inf/NaN gradients
};

struct EpochEvent {
  int64_t epoch = 0;  // 1-based
  int64_t step = 0;
  double trainLoss = 0, trainAccuracy = 0;
  double valLoss = 0, valAccuracy = 0;
  std::array<std::optional<double>, 3> valClassAccuracy;  // away, left, right; none without windows
  std::array<std::array<int64_t, 3>, 3> valConfusion{};     // [true][predicted]
  double lr = 0;                                            // for the next epoch
  bool isBest = false;
  int64_t bestEpoch = 0;
  double bestValAccuracy = 0;
  double trainSeconds = 0, valSeconds = 0;
  double samplesPerSecond = 0;  // training windows per second over the epoch
  std::string lastCheckpoint, bestCheckpoint;
};

struct DoneEvent {
  std::string reason;  // "completed", "early-stopped", "aborted"
  int64_t epochs = 0;  // completed
  int64_t steps = 0;
  int64_t bestEpoch = 0;  // 0: no epoch completed
  double bestValAccuracy = 0;
  std::string lastCheckpoint, bestCheckpoint;
};

using TrainEvent = std::variant<StartEvent, StepEvent, EpochEvent, DoneEvent>;
using EventSink = std::function<void(const TrainEvent&)>;

// Trains to the end (epochs, early stopping or `stop`), emitting a StartEvent, StepEvents, EpochEvents
// and a final DoneEvent (also returned). Errors throw; out of memory throws a message with the batch size.
DoneEvent runTraining(const TrainRequest& request, const EventSink& sink, const std::atomic<bool>& stop);

}  // namespace gazecoder::train
