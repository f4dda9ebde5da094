#pragma once
// torchvision's ResNet, with torchvision's module names: the classifier with BasicBlocks (resnet18,
// resnet34), and the trunk alone (stem and four stages, BasicBlocks or Bottlenecks) for the models
// that take a ResNet's intermediate stages, such as RetinaFace's ResNet-50 body.
#include "gazecoder/models/backbone.h"

#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include <cstdint>
#include <memory>
#include <vector>

namespace gazecoder {

namespace detail {
class ResidualBlock;
}  // namespace detail

enum class ResNetBlock {
  Basic,       // two 3×3 convs (resnet18/34), expansion 1
  Bottleneck,  // 1×1, 3×3 (stride here, torchvision's "v1.5"), 1×1 ×4 (resnet50/101/152)
};

// The stem (conv1, bn1, ReLU, max pool) and layer1..layer4, registered into a module that owns them, so
// that their keys are the owner's own (conv1.weight, layer1.0.conv1.weight, ...).
class ResNetTrunk {
 public:
  ResNetTrunk(torch::nn::Module& owner, const std::vector<int64_t>& blocksPerStage, ResNetBlock block);

  // The output of each stage (layer1..layer4), in order.
  std::vector<torch::Tensor> stages(const torch::Tensor& x);
  // Channels of each stage's output: 64, 128, 256, 512 times the block's expansion.
  int64_t stageChannels(int stage) const;

 private:
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  std::vector<std::vector<std::shared_ptr<detail::ResidualBlock>>> stages_;
  int64_t expansion_;
};

class ResNet : public ImageBackbone {
 public:
  // blocksPerStage: 4 stage depths, {2, 2, 2, 2} for resnet18 and {3, 4, 6, 3} for resnet34 (BasicBlocks).
  explicit ResNet(const std::vector<int64_t>& blocksPerStage, int64_t numClasses = 1000,
                  ResNetBlock block = ResNetBlock::Basic, WeightInit init = WeightInit::Torchvision);

  torch::Tensor features(const torch::Tensor& x) override;
  int64_t featureWidth() const override { return featureWidth_; }

 private:
  int64_t featureWidth_;
  std::unique_ptr<ResNetTrunk> trunk_;
};

}  // namespace gazecoder
