#pragma once
// torchvision's ResNet with BasicBlocks (resnet18, resnet34), with torchvision's module names.
#include "gazecoder/models/backbone.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace gazecoder {

namespace detail {
class BasicBlock;
}  // namespace detail

class ResNet : public ImageBackbone {
 public:
  // blocksPerStage: 4 stage depths, {2, 2, 2, 2} for resnet18 and {3, 4, 6, 3} for resnet34.
  explicit ResNet(const std::vector<int64_t>& blocksPerStage, int64_t numClasses = 1000);

  torch::Tensor features(const torch::Tensor& x) override;
  int64_t featureWidth() const override { return 512; }

 private:
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  std::vector<std::shared_ptr<detail::BasicBlock>> blocks_;  // layer1..layer4 in order
};

}  // namespace gazecoder
