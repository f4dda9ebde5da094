#include "gazecoder/train/optimizer.h"

#include <torch/torch.h>

#include <cmath>
#include <utility>

#include "ivalue.h"

namespace gazecoder::train {
namespace {

const char* kindName(OptimizerOptions::Kind kind) { return kind == OptimizerOptions::Kind::Adam ? "adam" : "sgd"; }

// Copies `from` (CPU, from a checkpoint) into fresh tensors shaped and placed like `like`.
std::vector<torch::Tensor> restore(const std::vector<torch::Tensor>& from, const std::vector<torch::Tensor>& like,
                                   const std::string& what) {
  TORCH_CHECK(from.size() == like.size(), what, ": ", from.size(), " tensors for ", like.size(), " parameters");
  std::vector<torch::Tensor> out(from.size());
  for (size_t i = 0; i < from.size(); ++i) {
    if (!from[i].defined()) continue;
    TORCH_CHECK(from[i].sizes() == like[i].sizes(), what, "[", i, "] has shape ", from[i].sizes(), ", the parameter ",
                like[i].sizes());
    out[i] = torch::empty_like(like[i]).copy_(from[i]);
  }
  return out;
}

std::vector<torch::Tensor> toCpu(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> out;
  for (const auto& t : tensors) out.push_back(t.defined() ? t.detach().to(torch::kCPU).contiguous() : torch::Tensor());
  return out;
}

}  // namespace

OptimizerOptions defaultOptimizerOptions(OptimizerOptions::Kind kind) {
  OptimizerOptions o;
  o.kind = kind;
  if (kind == OptimizerOptions::Kind::Sgd) {
    o.lr = 1e-2;
    o.momentum = 0.9;
    o.weightDecay = 1e-4;
  }
  return o;
}

Optimizer::Optimizer(std::vector<torch::Tensor> params, const OptimizerOptions& options)
    : params_(std::move(params)), options_(options), expAvg_(params_.size()), expAvgSq_(params_.size()),
      momentum_(params_.size()) {}

void Optimizer::zeroGrad() {
  for (auto& p : params_) p.mutable_grad() = torch::Tensor();
}

void Optimizer::step() {
  torch::NoGradGuard noGrad;
  ++steps_;
  // The parameters that have a gradient, and their state (created on first use, as torch does).
  std::vector<torch::Tensor> params, grads, a, b;
  std::vector<size_t> indices;
  for (size_t i = 0; i < params_.size(); ++i) {
    if (!params_[i].grad().defined()) continue;
    params.push_back(params_[i]);
    grads.push_back(params_[i].grad());
    indices.push_back(i);
  }
  if (params.empty()) return;
  if (options_.kind == OptimizerOptions::Kind::Adam) {
    for (const size_t i : indices) {
      if (!expAvg_[i].defined()) expAvg_[i] = torch::zeros_like(params_[i], at::MemoryFormat::Preserve);
      if (!expAvgSq_[i].defined()) expAvgSq_[i] = torch::zeros_like(params_[i], at::MemoryFormat::Preserve);
      a.push_back(expAvg_[i]);
      b.push_back(expAvgSq_[i]);
    }
    adamStep(params, grads, a, b);
  } else {
    for (const size_t i : indices) a.push_back(momentum_[i]);
    sgdStep(params, grads, a);
    for (size_t k = 0; k < indices.size(); ++k) momentum_[indices[k]] = a[k];
  }
}

void Optimizer::adamStep(std::vector<torch::Tensor>& params, std::vector<torch::Tensor>& grads,
                         std::vector<torch::Tensor>& m, std::vector<torch::Tensor>& v) {
  const auto& o = options_;
  // As torch.optim.Adam: bias corrections from the step count in double precision.
  const double bias1 = 1 - std::pow(o.beta1, static_cast<double>(steps_));
  const double bias2Sqrt = std::sqrt(1 - std::pow(o.beta2, static_cast<double>(steps_)));
  const double stepSize = o.lr / bias1;
  if (o.foreach) {
    // Python's _multi_tensor_adam, kernel for kernel.
    if (o.weightDecay != 0) grads = at::_foreach_add(grads, params, o.weightDecay);
    at::_foreach_mul_(m, o.beta1);
    at::_foreach_add_(m, grads, 1 - o.beta1);
    at::_foreach_mul_(v, o.beta2);
    at::_foreach_addcmul_(v, grads, grads, 1 - o.beta2);
    auto denom = at::_foreach_sqrt(v);
    at::_foreach_div_(denom, bias2Sqrt);
    at::_foreach_add_(denom, o.eps);
    at::_foreach_addcdiv_(params, m, denom, -stepSize);
    return;
  }
  // Python's _single_tensor_adam.
  for (size_t i = 0; i < params.size(); ++i) {
    const auto grad = o.weightDecay != 0 ? grads[i].add(params[i], o.weightDecay) : grads[i];
    m[i].mul_(o.beta1).add_(grad, 1 - o.beta1);
    v[i].mul_(o.beta2).addcmul_(grad, grad, 1 - o.beta2);
    const auto denom = (v[i].sqrt() / bias2Sqrt).add_(o.eps);
    params[i].addcdiv_(m[i], denom, -stepSize);
  }
}

void Optimizer::sgdStep(std::vector<torch::Tensor>& params, std::vector<torch::Tensor>& grads,
                        std::vector<torch::Tensor>& buf) {
  const auto& o = options_;
  // torch.optim.SGD (dampening 0, no Nesterov): d = g + wd·p; buf = momentum·buf + d (buf = d at first);
  // p -= lr·buf.
  if (o.weightDecay != 0 && o.foreach) {
    grads = at::_foreach_add(grads, params, o.weightDecay);
  } else if (o.weightDecay != 0) {
    for (size_t i = 0; i < params.size(); ++i) grads[i] = grads[i].add(params[i], o.weightDecay);
  }
  if (o.momentum != 0) {
    std::vector<torch::Tensor> existing, existingGrads;
    for (size_t i = 0; i < params.size(); ++i) {
      if (!buf[i].defined()) {
        buf[i] = grads[i].clone().detach();
      } else {
        existing.push_back(buf[i]);
        existingGrads.push_back(grads[i]);
      }
    }
    if (o.foreach && !existing.empty()) {
      at::_foreach_mul_(existing, o.momentum);
      at::_foreach_add_(existing, existingGrads, 1.0);
    } else {
      for (size_t i = 0; i < existing.size(); ++i) existing[i].mul_(o.momentum).add_(existingGrads[i], 1.0);
    }
    grads = buf;
  }
  if (o.foreach) {
    at::_foreach_add_(params, grads, -o.lr);
  } else {
    for (size_t i = 0; i < params.size(); ++i) params[i].add_(grads[i], -o.lr);
  }
}

c10::IValue Optimizer::state() const {
  auto d = ivalue::dict();
  d.insert("kind", std::string(kindName(options_.kind)));
  d.insert("lr", options_.lr);
  d.insert("steps", steps_);
  if (options_.kind == OptimizerOptions::Kind::Adam) {
    d.insert("exp_avg", ivalue::tensorList(toCpu(expAvg_)));
    d.insert("exp_avg_sq", ivalue::tensorList(toCpu(expAvgSq_)));
  } else {
    d.insert("momentum_buffer", ivalue::tensorList(toCpu(momentum_)));
  }
  return d;
}

void Optimizer::loadState(const c10::IValue& state) {
  const std::string what = "optimizer state";
  const auto d = ivalue::asDict(state, what);
  const std::string kind = ivalue::getString(d, "kind", what);
  TORCH_CHECK(kind == kindName(options_.kind), "the checkpoint's optimizer is ", kind, ", this run's ",
              kindName(options_.kind));
  options_.lr = ivalue::getDouble(d, "lr", what);
  steps_ = ivalue::getInt(d, "steps", what);
  torch::NoGradGuard noGrad;
  if (options_.kind == OptimizerOptions::Kind::Adam) {
    expAvg_ = restore(ivalue::getTensors(d, "exp_avg", what), params_, "exp_avg");
    expAvgSq_ = restore(ivalue::getTensors(d, "exp_avg_sq", what), params_, "exp_avg_sq");
  } else {
    momentum_ = restore(ivalue::getTensors(d, "momentum_buffer", what), params_, "momentum_buffer");
  }
}

}  // namespace gazecoder::train
