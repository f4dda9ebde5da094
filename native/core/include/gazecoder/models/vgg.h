#pragma once
// torchvision's VGG-16 (configuration "D", no BatchNorm) with torchvision's module names (features.N,
// classifier.N), so that its state dict loads key for key: iCatcher+'s infant-face classifier is
// vgg16(num_classes=2).
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>

#include <cstdint>

namespace gazecoder {

class Vgg16 : public torch::nn::Module {
 public:
  explicit Vgg16(int64_t numClasses = 1000);

  // N×3×H×W images (H, W ≥ 32) -> N×numClasses logits; the 7×7 adaptive pool takes any size.
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Sequential features_{nullptr};
  torch::nn::Sequential classifier_{nullptr};
};

}  // namespace gazecoder
