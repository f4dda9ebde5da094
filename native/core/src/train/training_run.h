#pragma once
// The objects of one training run: set up by the trainer (trainer.cpp), used by each part of its
// recipe (train_one_epoch, evaluate, the checkpointer, the metrics log).
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <optional>

#include "agreement.h"
#include "gazecoder/distributed/gradient_reducer.h"
#include "gazecoder/models/gaze_coding_model.h"
#include "gazecoder/train/batch_loader.h"
#include "gazecoder/train/dataset.h"
#include "gazecoder/train/grad_scaler.h"
#include "gazecoder/train/lr_scheduler.h"
#include "gazecoder/train/optimizer.h"
#include "gazecoder/train/train_config.h"
#include "gazecoder/train/train_step.h"
#include "gazecoder/train/training_state.h"

namespace gazecoder::train {

struct TrainingRun {
  TrainConfig config;
  torch::Device device{torch::kCPU};
  std::unique_ptr<Agreement> job;  // one process, or a rank of a data-parallel job
  Dataset dataset;
  int64_t batchesPerEpoch = 0;
  std::shared_ptr<GazeCodingModel> model;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<distributed::GradientReducer> reducer;  // a job's gradient buckets
  ReduceLrOnPlateau scheduler;
  std::unique_ptr<GradScaler> scaler;  // fp16 only
  std::unique_ptr<TrainStep> step;
  Progress progress;
  double samplesPerSecond = 0;  // smoothed over recent steps

  std::optional<c10::ScalarType> autocastDtype() const;
  // The current epoch's training batches (shuffled, augmented), this rank's shard of them in a job.
  LoaderOptions trainLoaderOptions() const;
  // The validation batches (in order, no augmentation), this rank's shard of them in a job.
  LoaderOptions valLoaderOptions() const;
  // DistributedDataParallel's broadcast_buffers: every rank runs with rank 0's BatchNorm statistics.
  void broadcastBuffers() { job->broadcast(model->buffers()); }
};

}  // namespace gazecoder::train
