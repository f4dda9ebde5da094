#include "gazecoder/models/resnet.h"

#include "gazecoder/distributed/batch_shard.h"
#include "layers.h"

#include <torch/torch.h>

namespace gazecoder {
namespace detail {

class ResidualBlock : public torch::nn::Module {
 public:
  using torch::nn::Module::Module;
  virtual torch::Tensor forward(const torch::Tensor& x) = 0;
};

// torchvision's BasicBlock: two 3×3 convs with BatchNorm, plus the input (downsampled when the shape changes).
class BasicBlock : public ResidualBlock {
 public:
  static constexpr int64_t kExpansion = 1;

  BasicBlock(int64_t in, int64_t planes, int64_t stride, std::shared_ptr<ConvNormActivation> downsample)
      : ResidualBlock("BasicBlock") {
    conv1_ = register_module("conv1", makeConv(in, planes, 3, stride));
    bn1_ = register_module("bn1", torch::nn::BatchNorm2d(planes));
    conv2_ = register_module("conv2", makeConv(planes, planes, 3));
    bn2_ = register_module("bn2", torch::nn::BatchNorm2d(planes));
    if (downsample) downsample_ = register_module("downsample", std::move(downsample));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    auto out = distributed::batchNorm(*bn1_, conv1_->forward(x)).relu_();
    out = distributed::batchNorm(*bn2_, conv2_->forward(out));
    out += downsample_ ? downsample_->forward(x) : x;
    return torch::relu_(out);
  }

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  std::shared_ptr<ConvNormActivation> downsample_;
};

// torchvision's Bottleneck (groups 1, base width 64): 1×1 down to `planes`, 3×3 with the stride, 1×1 up
// to 4·planes, plus the input (downsampled when the shape changes).
class Bottleneck : public ResidualBlock {
 public:
  static constexpr int64_t kExpansion = 4;

  Bottleneck(int64_t in, int64_t planes, int64_t stride, std::shared_ptr<ConvNormActivation> downsample)
      : ResidualBlock("Bottleneck") {
    conv1_ = register_module("conv1", makeConv(in, planes, 1));
    bn1_ = register_module("bn1", torch::nn::BatchNorm2d(planes));
    conv2_ = register_module("conv2", makeConv(planes, planes, 3, stride));
    bn2_ = register_module("bn2", torch::nn::BatchNorm2d(planes));
    conv3_ = register_module("conv3", makeConv(planes, planes * kExpansion, 1));
    bn3_ = register_module("bn3", torch::nn::BatchNorm2d(planes * kExpansion));
    if (downsample) downsample_ = register_module("downsample", std::move(downsample));
  }

  torch::Tensor forward(const torch::Tensor& x) override {
    auto out = distributed::batchNorm(*bn1_, conv1_->forward(x)).relu_();
    out = distributed::batchNorm(*bn2_, conv2_->forward(out)).relu_();
    out = distributed::batchNorm(*bn3_, conv3_->forward(out));
    out += downsample_ ? downsample_->forward(x) : x;
    return torch::relu_(out);
  }

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, bn3_{nullptr};
  std::shared_ptr<ConvNormActivation> downsample_;
};

}  // namespace detail

ResNetTrunk::ResNetTrunk(torch::nn::Module& owner, const std::vector<int64_t>& blocksPerStage, ResNetBlock block)
    : expansion_(block == ResNetBlock::Basic ? detail::BasicBlock::kExpansion : detail::Bottleneck::kExpansion) {
  TORCH_CHECK(blocksPerStage.size() == 4, "ResNet needs 4 stage depths, got ", blocksPerStage.size());
  conv1_ = owner.register_module("conv1", detail::makeConv(3, 64, 7, 2));
  bn1_ = owner.register_module("bn1", torch::nn::BatchNorm2d(64));
  int64_t inPlanes = 64;
  for (size_t s = 0; s < blocksPerStage.size(); ++s) {
    TORCH_CHECK(blocksPerStage[s] > 0, "ResNet stage depths must be positive, got ", blocksPerStage[s]);
    const int64_t planes = 64 << s;
    const int64_t stride = s == 0 ? 1 : 2;
    auto layer = owner.register_module("layer" + std::to_string(s + 1), std::make_shared<torch::nn::Module>("Sequential"));
    stages_.emplace_back();
    for (int64_t i = 0; i < blocksPerStage[s]; ++i) {
      // Built before its block, as torchvision does, so that a seed draws the same weights.
      std::shared_ptr<detail::ConvNormActivation> downsample;
      if (i == 0 && (stride != 1 || inPlanes != planes * expansion_)) {
        downsample = std::make_shared<detail::ConvNormActivation>(inPlanes, planes * expansion_, 1, stride, 1, false);
      }
      const int64_t blockStride = i == 0 ? stride : 1;
      std::shared_ptr<detail::ResidualBlock> made;
      if (block == ResNetBlock::Basic) {
        made = std::make_shared<detail::BasicBlock>(inPlanes, planes, blockStride, std::move(downsample));
      } else {
        made = std::make_shared<detail::Bottleneck>(inPlanes, planes, blockStride, std::move(downsample));
      }
      stages_.back().push_back(layer->register_module(std::to_string(i), made));
      inPlanes = planes * expansion_;
    }
  }
}

std::vector<torch::Tensor> ResNetTrunk::stages(const torch::Tensor& x) {
  auto y = distributed::batchNorm(*bn1_, conv1_->forward(x)).relu_();
  y = torch::max_pool2d(y, 3, 2, 1);
  std::vector<torch::Tensor> outputs;
  for (const auto& stage : stages_) {
    for (const auto& block : stage) y = block->forward(y);
    outputs.push_back(y);
  }
  return outputs;
}

int64_t ResNetTrunk::stageChannels(int stage) const {
  TORCH_CHECK(stage >= 0 && stage < 4, "ResNet stage ", stage, " does not exist (0..3)");
  return (int64_t{64} << stage) * expansion_;
}

ResNet::ResNet(const std::vector<int64_t>& blocksPerStage, int64_t numClasses, ResNetBlock block, WeightInit init)
    : ImageBackbone("ResNet") {
  trunk_ = std::make_unique<ResNetTrunk>(*this, blocksPerStage, block);
  featureWidth_ = trunk_->stageChannels(3);
  registerHead(numClasses);
  if (init == WeightInit::ForLoading) return;

  // torchvision: kaiming_normal_ (fan_out, ReLU) for convs; BatchNorm 1/0 and Linear keep LibTorch's
  // defaults, which are torchvision's.
  torch::NoGradGuard noGrad;
  for (const auto& module : modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv2d>()) {
      torch::nn::init::kaiming_normal_(conv->weight, 0.0, torch::kFanOut, torch::kReLU);
    }
  }
}

torch::Tensor ResNet::features(const torch::Tensor& x) {
  detail::checkImageBatch(x, "ResNet");
  return torch::adaptive_avg_pool2d(trunk_->stages(x).back(), {1, 1}).flatten(1);
}

}  // namespace gazecoder
