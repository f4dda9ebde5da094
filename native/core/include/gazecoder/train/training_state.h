#pragma once
// last.pth: everything a run needs to continue exactly (model, optimizer, scheduler, loss scaler,
// progress, settings), as one nested dict written atomically with savePickled. Its "model" entry is a
// plain state dict, so `torch.load(f)["model"]` and gazecoder's weight loaders read it too.
#include <ATen/core/ivalue.h>

#include <cstdint>
#include <optional>
#include <string>

#include "gazecoder/checkpoint/state_dict.h"

namespace gazecoder::train {

// Where a run stands. Epochs count from 0 here; events and files show them from 1.
struct Progress {
  int64_t epoch = 0;       // the epoch in progress (== epochs done when batch == 0)
  int64_t batch = 0;       // next training batch of that epoch
  int64_t step = 0;        // optimizer steps taken (skipped fp16 steps included)
  bool trainDone = false;  // the epoch's training batches are done; its validation is not
  // Running sums of the epoch's training batches.
  double lossSum = 0;
  int64_t correct = 0;
  int64_t seen = 0;
  double trainSeconds = 0;
  // The steps since the last step line of metrics.jsonl, which averages their loss.
  double logLossSum = 0;
  int64_t logSteps = 0;
  // Best validation accuracy so far.
  int64_t bestEpoch = -1;
  double bestAccuracy = -1;
  int64_t epochsSinceBest = 0;

  c10::IValue toIValue() const;
  static Progress fromIValue(const c10::IValue& value);
};

struct TrainingState {
  StateDict model;  // CPU tensors
  c10::IValue optimizer, scheduler, scaler, config;  // scaler is None without fp16
  Progress progress;
};

inline constexpr const char* kTrainingStateFormat = "gazecoder-training-state";
inline constexpr int64_t kTrainingStateVersion = 1;

void saveTrainingState(const std::string& path, const TrainingState& state);
// Throws CheckpointError naming the file when it is not a gazecoder training state.
TrainingState loadTrainingState(const std::string& path);

}  // namespace gazecoder::train
