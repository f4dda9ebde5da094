#pragma once
// The run's checkpoints: last.pth (at each epoch's end, every checkpointEvery steps, when stopped, and
// after an error) and best.pth (the weights of the best validation accuracy). Rank 0 writes them;
// every rank of a job learns whether the write worked, so that a failed one ends them all with its
// message rather than leaving them waiting for rank 0 at the next collective.
#include <exception>
#include <functional>
#include <optional>
#include <string>

#include "agreement.h"
#include "gazecoder/train/train_config.h"
#include "gazecoder/train/training_state.h"
#include "training_run.h"

namespace gazecoder::train {

// On --resume, rank 0 reads <out>/last.pth and the other ranks get its verdict and its bytes (the run
// folder need not be shared between machines); without it, a run folder holding a run is refused.
std::optional<TrainingState> readResumeState(const TrainRequest& request, Agreement& job);

class Checkpointer {
 public:
  // `resumedStep`: the step of the last.pth read on --resume; none for a fresh run (nothing to keep before step 0).
  Checkpointer(const TrainingRun& run, std::string lastPath, std::string bestPath, std::optional<int64_t> resumedStep);

  const std::string& lastPath() const { return lastPath_; }
  const std::string& bestPath() const { return bestPath_; }

  // last.pth now (a periodic checkpoint, or a stop).
  void saveLast();
  // The end of an epoch: `logEpoch` first (a crash before the checkpoints makes --resume redo, and
  // re-log, the epoch), then best.pth when the epoch is the best so far, then last.pth.
  void saveEpochEnd(bool isBest, const std::function<void()>& logEpoch);
  // After `error`: keeps the steps taken since the last checkpoint where it can (best effort: the
  // failure may recur), and rethrows with where the run can be continued from.
  [[noreturn]] void rethrowKeepingSteps(const std::exception& error);

 private:
  void writeLast();
  void leaderWrites(const std::function<void()>& write);

  const TrainingRun& run_;
  std::string lastPath_, bestPath_;
  int64_t savedStep_;        // progress.step of the last last.pth written or read
  bool lastOnDisk_;          // last.pth exists (read on --resume, or written)
  bool writeFailed_ = false; // a run-folder write failed: the last good last.pth is the run's state
};

}  // namespace gazecoder::train
