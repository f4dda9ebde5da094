#pragma once
// torch.optim.Adam (L2-coupled weight decay, as iCatcher+ uses it) and torch.optim.SGD with momentum,
// with the multi-tensor (_foreach_*) update of Python's foreach=True path or the per-tensor one.
// Own implementations rather than torch::optim so that the state is explicit and saved in the
// training checkpoint, and so that the foreach kernels can be used.
#include <ATen/core/ivalue.h>
#include <torch/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace gazecoder::train {

struct OptimizerOptions {
  enum class Kind { Adam, Sgd };
  Kind kind = Kind::Adam;
  double lr = 1e-5;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // Adam
  double momentum = 0.9;                          // SGD
  double weightDecay = 1e-5;
  bool foreach = true;  // multi-tensor kernels; false: one tensor at a time
};

// iCatcher+'s settings: Adam lr 1e-5, betas (0.9, 0.999), wd 1e-5; SGD lr 1e-2, momentum 0.9, wd 1e-4.
OptimizerOptions defaultOptimizerOptions(OptimizerOptions::Kind kind);

class Optimizer {
 public:
  Optimizer(std::vector<torch::Tensor> params, const OptimizerOptions& options);

  // One update from the parameters' .grad(). Parameters without a gradient are skipped, as in torch.
  void step();
  // Drops the gradients (set_to_none, PyTorch 2's default).
  void zeroGrad();

  double lr() const { return options_.lr; }
  void setLr(double lr) { options_.lr = lr; }
  int64_t steps() const { return steps_; }
  const OptimizerOptions& options() const { return options_; }
  const std::vector<torch::Tensor>& params() const { return params_; }

  // {"kind", "lr", "steps", and per parameter "exp_avg"/"exp_avg_sq" (Adam) or "momentum_buffer" (SGD)},
  // CPU tensors in parameter order.
  c10::IValue state() const;
  // Restores state(); throws when it belongs to another optimizer or other parameters.
  void loadState(const c10::IValue& state);

 private:
  std::vector<torch::Tensor> params_;
  OptimizerOptions options_;
  int64_t steps_ = 0;
  std::vector<torch::Tensor> expAvg_, expAvgSq_, momentum_;  // lazily created, like torch's state

  void adamStep(std::vector<torch::Tensor>& params, std::vector<torch::Tensor>& grads, std::vector<torch::Tensor>& m,
                std::vector<torch::Tensor>& v);
  void sgdStep(std::vector<torch::Tensor>& params, std::vector<torch::Tensor>& grads, std::vector<torch::Tensor>& buf);
};

}  // namespace gazecoder::train
