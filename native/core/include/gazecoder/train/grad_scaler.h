#pragma once
// Dynamic loss scaling for float16 training (torch.cuda.amp.GradScaler), which LibTorch lacks in C++:
// scale the loss, unscale the gradients while checking them for inf/NaN, skip the step when one is
// found and back the scale off, grow it after `growthInterval` clean steps. Uses ATen's
// _amp_foreach_non_finite_check_and_unscale_ and _amp_update_scale_ where the device has kernels for
// them (CUDA; CPU from LibTorch 2.x), and the same arithmetic in plain tensor ops otherwise.
#include <ATen/core/ivalue.h>
#include <torch/types.h>

#include <cstdint>
#include <vector>

namespace gazecoder::train {

struct GradScalerOptions {
  double initScale = 65536.0;
  double growthFactor = 2.0;
  double backoffFactor = 0.5;
  int64_t growthInterval = 2000;
};

class GradScaler {
 public:
  GradScaler(torch::Device device, const GradScalerOptions& options = {});

  // loss × scale.
  torch::Tensor scale(const torch::Tensor& loss);
  // Multiplies every gradient by 1/scale; returns whether any was inf or NaN (a host sync).
  bool unscale(const std::vector<torch::Tensor>& grads);
  // After the (possibly skipped) step: backs off on inf/NaN, else counts toward growth.
  void update(bool foundInf);

  double scaleValue() const;
  int64_t growthTracker() const;
  // Whether ATen's fused kernels run on this device (else the tensor-op fallback does).
  bool usesFusedKernels() const { return fused_; }

  c10::IValue state() const;
  void loadState(const c10::IValue& state);

 private:
  GradScalerOptions options_;
  torch::Tensor scale_;          // float32 [1] on the device
  torch::Tensor growthTracker_;  // int32 [1] on the device
  bool fused_;
};

}  // namespace gazecoder::train
