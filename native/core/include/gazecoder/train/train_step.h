#pragma once
// One training step of a GazeCodingModel, as the trainer takes it and the step benchmark (native/bench)
// times it: the crops flattened (channels_last when asked) through the image encoder and the box
// encoder, cross-entropy in float32 under autocast, then a scaled backward and an unscale that skips
// the update on inf/NaN gradients (fp16) or a plain backward, and the optimizer step.
#include <torch/torch.h>

#include <functional>
#include <optional>

#include "gazecoder/distributed/batch_shard.h"
#include "gazecoder/distributed/gradient_reducer.h"
#include "gazecoder/models/gaze_coding_model.h"
#include "gazecoder/train/grad_scaler.h"
#include "gazecoder/train/optimizer.h"

namespace gazecoder::train {

// images B×N×3×H×W, boxes B×N×5 -> logits B×3, with the crops in channels_last when asked.
torch::Tensor forwardWindows(GazeCodingModel& model, const torch::Tensor& images, const torch::Tensor& boxes,
                             bool channelsLast);
// A shared-frame batch (--shared-frames): frames U×3×H×W through the image encoder once, window i's
// embeddings gathered by frameIndex B×N (index_select, so gradients of a shared frame sum over its
// windows), then the box encoder and predictor per window as forwardWindows -> logits B×3.
torch::Tensor forwardSharedFrames(GazeCodingModel& model, const torch::Tensor& frames, const torch::Tensor& frameIndex,
                                  const torch::Tensor& boxes, bool channelsLast);

// Puts every BatchNorm layer of `module` in eval mode (--freeze-encoder-bn, "partial BN"): its running
// statistics, from the pretrained weights, normalise and stay fixed; its affine weights still train.
void freezeBatchNorm(torch::nn::Module& module);

struct StepOutcome {
  torch::Tensor loss;     // detached and not yet read back: the batch's mean, or this rank's share of the job's
  torch::Tensor correct;  // windows of this process's batch predicted right
  bool skipped = false;   // fp16: inf/NaN gradients, so no optimizer update
};

class TrainStep {
 public:
  // `autocast`: the dtype of mixed precision, or none; `scaler`: fp16 only; `reducer`: a job's gradient
  // buckets, else null. Everything given must outlive the step.
  TrainStep(GazeCodingModel& model, Optimizer& optimizer, std::optional<c10::ScalarType> autocast, bool channelsLast,
            GradScaler* scaler = nullptr, distributed::GradientReducer* reducer = nullptr);

  // Inputs on the model's device. `shard`: this process's slice of a job's global batch (the loss is
  // then its share of the global batch's mean, so that the summed gradients equal one process's), or
  // null. `beforeUpdate` runs after the backward pass and before the optimizer step (a job sums its
  // totals there: a failed collective then leaves the step untaken).
  // `frameIndex`: a shared-frame batch's map (images are then its U frames), or undefined.
  StepOutcome operator()(const torch::Tensor& images, const torch::Tensor& boxes, const torch::Tensor& labels,
                         const distributed::BatchShard* shard = nullptr,
                         const std::function<void(const StepOutcome&)>& beforeUpdate = nullptr,
                         const torch::Tensor& frameIndex = {});

 private:
  GazeCodingModel& model_;
  Optimizer& optimizer_;
  std::optional<c10::ScalarType> autocast_;
  bool channelsLast_;
  GradScaler* scaler_;
  distributed::GradientReducer* reducer_;
};

}  // namespace gazecoder::train
