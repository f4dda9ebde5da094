#include "gazecoder/train/train_step.h"

#include <vector>

#include "gazecoder/train/autocast.h"

namespace gazecoder::train {

torch::Tensor forwardWindows(GazeCodingModel& model, const torch::Tensor& images, const torch::Tensor& boxes,
                             bool channelsLast) {
  const int64_t batch = images.size(0), frames = images.size(1);
  auto crops = images.flatten(0, 1);
  if (channelsLast) crops = crops.contiguous(at::MemoryFormat::ChannelsLast);
  const auto embeddings = model.encodeImages(crops).view({batch, frames, GazeCodingModel::kEmbeddingWidth});
  return model.predictFromEmbeddings(embeddings, boxes);
}

torch::Tensor forwardSharedFrames(GazeCodingModel& model, const torch::Tensor& frames, const torch::Tensor& frameIndex,
                                  const torch::Tensor& boxes, bool channelsLast) {
  TORCH_CHECK(frames.dim() == 4 && frameIndex.dim() == 2 && frameIndex.size(0) == boxes.size(0) &&
                  frameIndex.size(1) == boxes.size(1),
              "a shared-frame batch is frames U×3×H×W with frameIndex B×N matching boxes B×N×5");
  auto crops = frames;
  if (channelsLast) crops = crops.contiguous(at::MemoryFormat::ChannelsLast);
  const auto embeddings = model.encodeImages(crops);
  const auto windows = embeddings.index_select(0, frameIndex.flatten())
                           .view({frameIndex.size(0), frameIndex.size(1), GazeCodingModel::kEmbeddingWidth});
  return model.predictFromEmbeddings(windows, boxes);
}

void freezeBatchNorm(torch::nn::Module& module) {
  for (const auto& m : module.modules()) {
    if (m->as<torch::nn::BatchNorm2dImpl>() || m->as<torch::nn::BatchNorm1dImpl>()) m->eval();
  }
}

TrainStep::TrainStep(GazeCodingModel& model, Optimizer& optimizer, std::optional<c10::ScalarType> autocast,
                     bool channelsLast, GradScaler* scaler, distributed::GradientReducer* reducer)
    : model_(model), optimizer_(optimizer), autocast_(autocast), channelsLast_(channelsLast), scaler_(scaler),
      reducer_(reducer) {}

StepOutcome TrainStep::operator()(const torch::Tensor& images, const torch::Tensor& boxes, const torch::Tensor& labels,
                                  const distributed::BatchShard* shard,
                                  const std::function<void(const StepOutcome&)>& beforeUpdate,
                                  const torch::Tensor& frameIndex) {
  namespace F = torch::nn::functional;
  torch::Tensor logits, loss;
  {
    AutocastScope autocast(images.device().type(), autocast_);
    distributed::BatchShardScope shardScope(shard);
    logits = frameIndex.defined() ? forwardSharedFrames(model_, images, frameIndex, boxes, channelsLast_)
                                  : forwardWindows(model_, images, boxes, channelsLast_);
    loss = shard ? F::cross_entropy(logits.to(torch::kFloat32), labels, F::CrossEntropyFuncOptions().reduction(torch::kSum)) /
                       static_cast<double>(shard->globalSize)
                 : F::cross_entropy(logits.to(torch::kFloat32), labels);
  }
  optimizer_.zeroGrad();
  if (reducer_) reducer_->prepare();
  const auto backward = [&](const torch::Tensor& value) {
    value.backward();
    if (reducer_) reducer_->finish();
  };
  // Read back (a device sync) only once the step's work is queued.
  StepOutcome outcome;
  outcome.loss = loss.detach();
  outcome.correct = logits.detach().argmax(1).eq(labels).sum();
  if (scaler_) {
    backward(scaler_->scale(loss));
    std::vector<torch::Tensor> grads;
    for (const auto& p : optimizer_.params()) grads.push_back(p.grad());
    outcome.skipped = scaler_->unscale(grads);
  } else {
    backward(loss);
  }
  if (beforeUpdate) beforeUpdate(outcome);
  if (!outcome.skipped) optimizer_.step();
  if (scaler_) scaler_->update(outcome.skipped);
  return outcome;
}

}  // namespace gazecoder::train
