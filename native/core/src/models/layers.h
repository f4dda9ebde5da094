#pragma once
// Building blocks shared by the backbones (private to the core).
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include <cstdint>

namespace gazecoder::detail {

// A bias-free Conv2d (a BatchNorm follows) with torchvision's padding (kernel - 1) / 2.
torch::nn::Conv2d makeConv(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t groups = 1);

// torchvision's Conv2dNormActivation: children "0" (conv) and "1" (BatchNorm2d), then an optional ReLU.
class ConvNormActivation : public torch::nn::Module {
 public:
  ConvNormActivation(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups, bool relu);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
  bool relu_;
};

// Checks that `x` is an N×3×H×W image batch, naming the model in the error.
void checkImageBatch(const torch::Tensor& x, const char* model);

}  // namespace gazecoder::detail
