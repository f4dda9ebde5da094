#include "gazecoder/train/grad_scaler.h"

#include <ATen/core/dispatch/Dispatcher.h>
#include <torch/torch.h>

#include <cmath>

#include "ivalue.h"

namespace gazecoder::train {
namespace {

c10::DispatchKey backendKey(const torch::Device& device) {
  return device.is_cuda() ? c10::DispatchKey::CUDA : c10::DispatchKey::CPU;
}

// Whether ATen registers a kernel of `op` for the device (always on CUDA; on CPU from LibTorch 2.3).
bool hasKernel(const char* op, const torch::Device& device) {
  const auto handle = c10::Dispatcher::singleton().findOp({op, ""});
  return handle.has_value() && handle->hasKernelForDispatchKey(backendKey(device));
}

}  // namespace

GradScaler::GradScaler(torch::Device device, const GradScalerOptions& options)
    : options_(options),
      scale_(torch::full({1}, options.initScale, torch::TensorOptions().dtype(torch::kFloat32).device(device))),
      growthTracker_(torch::zeros({1}, torch::TensorOptions().dtype(torch::kInt32).device(device))),
      fused_(hasKernel("aten::_amp_foreach_non_finite_check_and_unscale_", device) &&
             hasKernel("aten::_amp_update_scale_", device)) {}

torch::Tensor GradScaler::scale(const torch::Tensor& loss) { return loss * scale_.to(loss.scalar_type()); }

bool GradScaler::unscale(const std::vector<torch::Tensor>& grads) {
  torch::NoGradGuard noGrad;
  // As GradScaler.unscale_: the reciprocal in double, then float32.
  const auto invScale = scale_.to(torch::kFloat64).reciprocal().to(torch::kFloat32);
  auto foundInf = torch::zeros({1}, scale_.options());
  std::vector<torch::Tensor> defined;
  for (const auto& g : grads) {
    if (g.defined()) defined.push_back(g);
  }
  if (fused_) {
    at::_amp_foreach_non_finite_check_and_unscale_(defined, foundInf, invScale);
  } else {
    // The same contract: found_inf = 1 if any element is inf or NaN; every gradient *= inv_scale.
    for (auto& g : defined) {
      if (!torch::isfinite(g).all().item<bool>()) foundInf.fill_(1.0);
      g.mul_(invScale.to(g.scalar_type()));
    }
  }
  return foundInf.item<float>() != 0.0f;
}

void GradScaler::update(bool foundInf) {
  torch::NoGradGuard noGrad;
  const auto found = torch::full({1}, foundInf ? 1.0 : 0.0, scale_.options());
  if (fused_) {
    at::_amp_update_scale_(scale_, growthTracker_, found, options_.growthFactor, options_.backoffFactor,
                           options_.growthInterval);
    return;
  }
  // ATen's amp_update_scale kernel, step for step.
  float scale = scale_.item<float>();
  int32_t tracker = growthTracker_.item<int32_t>();
  if (foundInf) {
    scale = static_cast<float>(scale * options_.backoffFactor);
    tracker = 0;
  } else if (tracker + 1 == options_.growthInterval) {
    const auto grown = static_cast<float>(scale * options_.growthFactor);
    if (std::isfinite(grown)) scale = grown;
    tracker = 0;
  } else {
    ++tracker;
  }
  scale_.fill_(scale);
  growthTracker_.fill_(tracker);
}

double GradScaler::scaleValue() const { return scale_.item<float>(); }
int64_t GradScaler::growthTracker() const { return growthTracker_.item<int32_t>(); }

c10::IValue GradScaler::state() const {
  auto d = ivalue::dict();
  d.insert("scale", scaleValue());
  d.insert("growth_tracker", growthTracker());
  return d;
}

void GradScaler::loadState(const c10::IValue& state) {
  const std::string what = "grad scaler state";
  const auto d = ivalue::asDict(state, what);
  scale_.fill_(ivalue::getDouble(d, "scale", what));
  growthTracker_.fill_(ivalue::getInt(d, "growth_tracker", what));
}

}  // namespace gazecoder::train
