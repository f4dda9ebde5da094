#include "gazecoder/distributed/batch_shard.h"

#include <torch/torch.h>

namespace gazecoder::distributed {
namespace {

thread_local const BatchShard* currentShard = nullptr;

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

std::vector<int64_t> reducedDims(const torch::Tensor& x) {
  std::vector<int64_t> dims{0};
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  return dims;
}

std::vector<int64_t> channelShape(const torch::Tensor& x) {
  std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
  shape[1] = x.size(1);
  return shape;
}

// BatchNorm over the union of every rank's batch: the mean and variance come from sums pooled
// across the group, and backward pools the two sums its input gradient depends on. The weight
// and bias gradients stay per rank (the gradient reducer sums them like any other).
struct SyncBatchNormFunction : public torch::autograd::Function<SyncBatchNormFunction> {
  static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& x, const torch::Tensor& weight,
                               const torch::Tensor& bias, torch::Tensor runningMean, torch::Tensor runningVar,
                               double eps, double momentum, ProcessGroup* group) {
    const auto dims = reducedDims(x);
    const auto shape = channelShape(x);
    const auto xf = x.to(torch::kFloat32);
    const int64_t channels = x.size(1);
    auto sums = torch::cat({xf.sum(dims), torch::full({1}, static_cast<double>(x.numel() / channels), xf.options())});
    group->sum(sums);
    const double count = sums[channels].item<double>();
    TORCH_CHECK(count > 1, "synchronized BatchNorm needs more than one value per channel across the processes");
    const auto mean = sums.narrow(0, 0, channels) / count;
    const auto centered = xf - mean.view(shape);
    auto squares = centered.pow(2).sum(dims);
    group->sum(squares);
    const auto var = squares / count;
    const auto invstd = torch::rsqrt(var + eps);
    const auto normalized = centered * invstd.view(shape);
    if (runningMean.defined()) {
      torch::NoGradGuard noGrad;
      runningMean.mul_(1 - momentum).add_(mean.to(runningMean.dtype()), momentum);
      runningVar.mul_(1 - momentum).add_((var * (count / (count - 1))).to(runningVar.dtype()), momentum);
    }
    ctx->save_for_backward({normalized, invstd, weight});
    // A raw pointer in the context: the trainer's group outlives every backward pass.
    ctx->saved_data["group"] = reinterpret_cast<int64_t>(group);
    ctx->saved_data["count"] = count;
    ctx->saved_data["dtype"] = static_cast<int64_t>(x.scalar_type());
    auto y = weight.defined() ? normalized * weight.view(shape).to(torch::kFloat32) : normalized;
    if (bias.defined()) y = y + bias.view(shape).to(torch::kFloat32);
    return y.to(x.scalar_type());
  }

  static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
    const auto saved = ctx->get_saved_variables();
    const auto& normalized = saved[0];
    const auto& invstd = saved[1];
    const auto& weight = saved[2];
    auto* group = reinterpret_cast<ProcessGroup*>(ctx->saved_data["group"].toInt());
    const double count = ctx->saved_data["count"].toDouble();
    const auto dtype = static_cast<c10::ScalarType>(ctx->saved_data["dtype"].toInt());
    const auto dims = reducedDims(normalized);
    const auto shape = channelShape(normalized);
    const int64_t channels = normalized.size(1);
    const auto dy = gradOutputs[0].to(torch::kFloat32);
    const auto sumDy = dy.sum(dims);
    const auto sumDyNormalized = (dy * normalized).sum(dims);
    auto pooled = torch::cat({sumDy, sumDyNormalized});
    group->sum(pooled);
    const auto meanDy = pooled.narrow(0, 0, channels) / count;
    const auto meanDyNormalized = pooled.narrow(0, channels, channels) / count;
    auto scale = invstd;
    if (weight.defined()) scale = scale * weight.to(torch::kFloat32);
    const auto dx = (dy - meanDy.view(shape) - normalized * meanDyNormalized.view(shape)) * scale.view(shape);
    torch::Tensor dWeight, dBias;
    if (weight.defined()) {
      dWeight = sumDyNormalized.to(weight.scalar_type());
      dBias = sumDy.to(weight.scalar_type());
    }
    return {dx.to(dtype), dWeight, dBias, torch::Tensor(), torch::Tensor(), torch::Tensor(), torch::Tensor(),
            torch::Tensor()};
  }
};

template <typename Impl>
torch::Tensor synchronizedBatchNorm(Impl& bn, const torch::Tensor& x) {
  const auto* shard = currentShard;
  if (!shard || !shard->syncBatchNorm || !bn.is_training()) return bn.forward(x);
  const auto& options = bn.options;
  double momentum = options.momentum().value_or(0.0);
  if (options.track_running_stats()) {
    bn.num_batches_tracked.add_(1);
    // momentum=None: a cumulative average, as torch's BatchNorm does.
    if (!options.momentum().has_value()) momentum = 1.0 / bn.num_batches_tracked.template item<double>();
  }
  return SyncBatchNormFunction::apply(x, bn.weight, bn.bias, bn.running_mean, bn.running_var, options.eps(), momentum,
                                      shard->syncBatchNorm.get());
}

}  // namespace

BatchShardScope::BatchShardScope(const BatchShard* shard) : previous_(currentShard) { currentShard = shard; }
BatchShardScope::~BatchShardScope() { currentShard = previous_; }

const BatchShard* currentBatchShard() { return currentShard; }

torch::Tensor batchNorm(torch::nn::BatchNorm1dImpl& bn, const torch::Tensor& x) { return synchronizedBatchNorm(bn, x); }
torch::Tensor batchNorm(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x) { return synchronizedBatchNorm(bn, x); }

torch::Tensor dropout(torch::nn::DropoutImpl& layer, const torch::Tensor& x) {
  const auto* shard = currentShard;
  const double p = layer.options.p();
  if (!shard || !layer.is_training() || p == 0 || shard->size <= 0) return layer.forward(x);
  // Same draws as torch's CPU dropout on the global batch: bernoulli(1 - p) / (1 - p).
  const int64_t rowsPerSample = x.size(0) / shard->size;
  auto shape = x.sizes().vec();
  shape[0] = shard->globalSize * rowsPerSample;
  auto noise = at::empty(shape, x.options()).bernoulli_(1 - p);
  noise.div_(1 - p);
  return x * noise.narrow(0, shard->offset * rowsPerSample, x.size(0));
}

}  // namespace gazecoder::distributed
