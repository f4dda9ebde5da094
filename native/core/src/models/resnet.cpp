#include "gazecoder/models/resnet.h"

#include "gazecoder/distributed/batch_shard.h"
#include "layers.h"

#include <torch/torch.h>

namespace gazecoder {
namespace detail {

// torchvision's BasicBlock: two 3×3 convs with BatchNorm, plus the input (downsampled when the shape changes).
class BasicBlock : public torch::nn::Module {
 public:
  BasicBlock(int64_t in, int64_t planes, int64_t stride, std::shared_ptr<ConvNormActivation> downsample)
      : torch::nn::Module("BasicBlock") {
    conv1_ = register_module("conv1", makeConv(in, planes, 3, stride));
    bn1_ = register_module("bn1", torch::nn::BatchNorm2d(planes));
    conv2_ = register_module("conv2", makeConv(planes, planes, 3));
    bn2_ = register_module("bn2", torch::nn::BatchNorm2d(planes));
    if (downsample) downsample_ = register_module("downsample", std::move(downsample));
  }

  torch::Tensor forward(const torch::Tensor& x) {
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

}  // namespace detail

ResNet::ResNet(const std::vector<int64_t>& blocksPerStage, int64_t numClasses) : ImageBackbone("ResNet") {
  TORCH_CHECK(blocksPerStage.size() == 4, "ResNet needs 4 stage depths, got ", blocksPerStage.size());
  conv1_ = register_module("conv1", detail::makeConv(3, 64, 7, 2));
  bn1_ = register_module("bn1", torch::nn::BatchNorm2d(64));
  int64_t inPlanes = 64;
  for (size_t s = 0; s < blocksPerStage.size(); ++s) {
    TORCH_CHECK(blocksPerStage[s] > 0, "ResNet stage depths must be positive, got ", blocksPerStage[s]);
    const int64_t planes = 64 << s;
    const int64_t stride = s == 0 ? 1 : 2;
    auto layer = register_module("layer" + std::to_string(s + 1), std::make_shared<torch::nn::Module>("Sequential"));
    for (int64_t i = 0; i < blocksPerStage[s]; ++i) {
      // Built before its block, as torchvision does, so that a seed draws the same weights.
      std::shared_ptr<detail::ConvNormActivation> downsample;
      if (i == 0 && (stride != 1 || inPlanes != planes)) {
        downsample = std::make_shared<detail::ConvNormActivation>(inPlanes, planes, 1, stride, 1, false);
      }
      blocks_.push_back(layer->register_module(
          std::to_string(i),
          std::make_shared<detail::BasicBlock>(inPlanes, planes, i == 0 ? stride : 1, std::move(downsample))));
      inPlanes = planes;
    }
  }
  registerHead(numClasses);

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
  auto y = distributed::batchNorm(*bn1_, conv1_->forward(x)).relu_();
  y = torch::max_pool2d(y, 3, 2, 1);
  for (const auto& block : blocks_) y = block->forward(y);
  return torch::adaptive_avg_pool2d(y, {1, 1}).flatten(1);
}

}  // namespace gazecoder
