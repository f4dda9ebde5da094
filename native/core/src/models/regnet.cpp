#include "gazecoder/models/regnet.h"

#include "layers.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>

namespace gazecoder {
namespace {

// torchvision's _make_divisible (models/_utils.py).
int64_t makeDivisible(double v, int64_t divisor) {
  int64_t rounded = std::max(divisor, static_cast<int64_t>(v + divisor / 2.0) / divisor * divisor);
  // Rounding down must not lose more than 10 %.
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

// Python's round() rounds halves to even, as std::nearbyint does in the default rounding mode.
int64_t roundHalfEven(double v) { return static_cast<int64_t>(std::nearbyint(v)); }

}  // namespace

RegNetBlockParams RegNetBlockParams::fromInitParams(const RegNetParams& p) {
  constexpr int64_t kQuant = 8;
  constexpr int64_t kStride = 2;
  TORCH_CHECK(p.wA >= 0 && p.w0 > 0 && p.wM > 1 && p.w0 % 8 == 0,
              "Invalid RegNet settings: need w_a >= 0, w_0 > 0 and a multiple of 8, w_m > 1; got w_0 ", p.w0,
              ", w_a ", p.wA, ", w_m ", p.wM);
  TORCH_CHECK(p.depth > 0 && p.groupWidth > 0 && p.bottleneckMultiplier > 0,
              "Invalid RegNet settings: need depth, group width and bottleneck multiplier > 0; got ", p.depth, ", ",
              p.groupWidth, ", ", p.bottleneckMultiplier);

  // The same float32 tensor ops (and Python-scalar operands) as torchvision, so every rounding agrees.
  torch::NoGradGuard noGrad;
  const auto widthsCont = torch::arange(p.depth) * p.wA + p.w0;
  const auto blockCapacity = torch::round(torch::log(widthsCont / p.w0) / std::log(p.wM));
  const auto widthsTensor =
      (torch::round(torch::divide(p.w0 * torch::pow(c10::Scalar(p.wM), blockCapacity), kQuant)) * kQuant)
          .to(torch::kInt64);
  const std::vector<int64_t> blockWidths(widthsTensor.data_ptr<int64_t>(),
                                         widthsTensor.data_ptr<int64_t>() + widthsTensor.numel());

  // A stage is a run of blocks of equal width; widths never decrease.
  RegNetBlockParams result;
  result.seRatio = p.seRatio;
  for (size_t i = 0; i < blockWidths.size(); ++i) {
    if (i == 0 || blockWidths[i] != blockWidths[i - 1]) {
      result.stages.push_back({0, blockWidths[i], kStride, p.groupWidth, p.bottleneckMultiplier});
    }
    ++result.stages.back().depth;
  }

  // _adjust_widths_groups_compatibilty: the bottleneck width must be a multiple of the group width.
  for (auto& stage : result.stages) {
    const auto bottleneck = static_cast<int64_t>(static_cast<double>(stage.width) * stage.bottleneckMultiplier);
    stage.groupWidth = std::min(stage.groupWidth, bottleneck);
    TORCH_CHECK(stage.groupWidth > 0, "Invalid RegNet settings: a stage of width ", stage.width,
                " has an empty bottleneck (multiplier ", stage.bottleneckMultiplier, ")");
    const int64_t divisible = makeDivisible(static_cast<double>(bottleneck), stage.groupWidth);
    stage.width = static_cast<int64_t>(static_cast<double>(divisible) / stage.bottleneckMultiplier);
  }
  return result;
}

const std::vector<std::pair<std::string, RegNetParams>>& regnetConfigs() {
  // torchvision/models/regnet.py; the Y models add squeeze-excitation with ratio 0.25.
  static const std::vector<std::pair<std::string, RegNetParams>> configs = {
      {"regnet_y_400mf", {16, 48, 27.89, 2.09, 8, 1.0, 0.25}},
      {"regnet_y_800mf", {14, 56, 38.84, 2.4, 16, 1.0, 0.25}},
      {"regnet_y_1_6gf", {27, 48, 20.71, 2.65, 24, 1.0, 0.25}},
      {"regnet_y_3_2gf", {21, 80, 42.63, 2.66, 24, 1.0, 0.25}},
      {"regnet_y_8gf", {17, 192, 76.82, 2.19, 56, 1.0, 0.25}},
      {"regnet_y_16gf", {18, 200, 106.23, 2.48, 112, 1.0, 0.25}},
      {"regnet_y_32gf", {20, 232, 115.89, 2.53, 232, 1.0, 0.25}},
      {"regnet_y_128gf", {27, 456, 160.83, 2.52, 264, 1.0, 0.25}},
      {"regnet_x_400mf", {22, 24, 24.48, 2.54, 16, 1.0, 0}},
      {"regnet_x_800mf", {16, 56, 35.73, 2.28, 16, 1.0, 0}},
      {"regnet_x_1_6gf", {18, 80, 34.01, 2.25, 24, 1.0, 0}},
      {"regnet_x_3_2gf", {25, 88, 26.31, 2.25, 48, 1.0, 0}},
      {"regnet_x_8gf", {23, 80, 49.56, 2.88, 120, 1.0, 0}},
      {"regnet_x_16gf", {22, 216, 55.59, 2.1, 128, 1.0, 0}},
      {"regnet_x_32gf", {23, 320, 69.86, 2.0, 168, 1.0, 0}},
  };
  return configs;
}

namespace detail {

// torchvision.ops.SqueezeExcitation: channel weights from pooled features through fc1/fc2 (1×1 convs).
class SqueezeExcitation : public torch::nn::Module {
 public:
  SqueezeExcitation(int64_t channels, int64_t squeezeChannels) : torch::nn::Module("SqueezeExcitation") {
    fc1_ = register_module("fc1", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, squeezeChannels, 1)));
    fc2_ = register_module("fc2", torch::nn::Conv2d(torch::nn::Conv2dOptions(squeezeChannels, channels, 1)));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    auto scale = torch::adaptive_avg_pool2d(x, {1, 1});
    scale = torch::sigmoid(fc2_->forward(torch::relu(fc1_->forward(scale))));
    return scale * x;
  }

 private:
  torch::nn::Conv2d fc1_{nullptr}, fc2_{nullptr};
};

// torchvision's BottleneckTransform: a (1×1), b (3×3 grouped, strided), optional se, c (1×1, no ReLU).
class BottleneckTransform : public torch::nn::Module {
 public:
  BottleneckTransform(int64_t widthIn, int64_t widthOut, int64_t stride, int64_t groupWidth,
                      double bottleneckMultiplier, double seRatio)
      : torch::nn::Module("BottleneckTransform") {
    const int64_t widthBottleneck = roundHalfEven(static_cast<double>(widthOut) * bottleneckMultiplier);
    const int64_t groups = widthBottleneck / groupWidth;
    a_ = register_module("a", std::make_shared<ConvNormActivation>(widthIn, widthBottleneck, 1, 1, 1, true));
    b_ = register_module("b", std::make_shared<ConvNormActivation>(widthBottleneck, widthBottleneck, 3, stride,
                                                                     groups, true));
    if (seRatio != 0) {
      // The squeeze width is measured against the block input, as in torchvision.
      se_ = register_module("se", std::make_shared<SqueezeExcitation>(
                                      widthBottleneck, roundHalfEven(seRatio * static_cast<double>(widthIn))));
    }
    c_ = register_module("c", std::make_shared<ConvNormActivation>(widthBottleneck, widthOut, 1, 1, 1, false));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    auto y = b_->forward(a_->forward(x));
    if (se_) y = se_->forward(y);
    return c_->forward(y);
  }

 private:
  std::shared_ptr<ConvNormActivation> a_, b_, c_;
  std::shared_ptr<SqueezeExcitation> se_;
};

// torchvision's ResBottleneckBlock: ReLU(shortcut + f(x)), with a 1×1 projection when the shape changes.
class ResBottleneckBlock : public torch::nn::Module {
 public:
  ResBottleneckBlock(int64_t widthIn, int64_t widthOut, int64_t stride, int64_t groupWidth,
                     double bottleneckMultiplier, double seRatio)
      : torch::nn::Module("ResBottleneckBlock") {
    if (widthIn != widthOut || stride != 1) {
      proj_ = register_module("proj", std::make_shared<ConvNormActivation>(widthIn, widthOut, 1, stride, 1, false));
    }
    f_ = register_module("f", std::make_shared<BottleneckTransform>(widthIn, widthOut, stride, groupWidth,
                                                                     bottleneckMultiplier, seRatio));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    auto y = proj_ ? proj_->forward(x) + f_->forward(x) : x + f_->forward(x);
    return torch::relu_(y);
  }

 private:
  std::shared_ptr<ConvNormActivation> proj_;
  std::shared_ptr<BottleneckTransform> f_;
};

}  // namespace detail

RegNet::RegNet(const RegNetParams& params, int64_t numClasses, int64_t stemWidth, WeightInit init)
    : RegNet(RegNetBlockParams::fromInitParams(params), numClasses, stemWidth, init) {}

RegNet::RegNet(const RegNetBlockParams& blockParams, int64_t numClasses, int64_t stemWidth, WeightInit init)
    : ImageBackbone("RegNet"), blockParams_(blockParams), featureWidth_(stemWidth) {
  stem_ = register_module("stem", std::make_shared<detail::ConvNormActivation>(3, stemWidth, 3, 2, 1, true));
  auto trunk = register_module("trunk_output", std::make_shared<torch::nn::Module>("Sequential"));
  for (size_t s = 0; s < blockParams.stages.size(); ++s) {
    const auto& stage = blockParams.stages[s];
    const std::string stageName = "block" + std::to_string(s + 1);
    auto stageModule = trunk->register_module(stageName, std::make_shared<torch::nn::Module>("AnyStage"));
    for (int64_t i = 0; i < stage.depth; ++i) {
      blocks_.push_back(stageModule->register_module(
          stageName + "-" + std::to_string(i),
          std::make_shared<detail::ResBottleneckBlock>(i == 0 ? featureWidth_ : stage.width, stage.width,
                                                       i == 0 ? stage.stride : 1, stage.groupWidth,
                                                       stage.bottleneckMultiplier, blockParams.seRatio)));
    }
    featureWidth_ = stage.width;
  }
  registerHead(numClasses);
  if (init == WeightInit::ForLoading) return;

  // torchvision's initialisation, in the same module order (so the same seed draws the same weights).
  torch::NoGradGuard noGrad;
  for (const auto& module : modules(/*include_self=*/false)) {
    if (auto* conv = module->as<torch::nn::Conv2d>()) {
      const auto& kernel = conv->options.kernel_size();
      const auto fanOut = static_cast<double>((*kernel)[0] * (*kernel)[1] * conv->options.out_channels());
      conv->weight.normal_(0.0, std::sqrt(2.0 / fanOut));
    } else if (auto* bn = module->as<torch::nn::BatchNorm2d>()) {
      bn->weight.fill_(1.0);
      bn->bias.zero_();
    } else if (auto* linear = module->as<torch::nn::Linear>()) {
      initHead(*linear);
    }
  }
}

void RegNet::initHead(torch::nn::LinearImpl& fc) const {
  torch::NoGradGuard noGrad;
  fc.weight.normal_(0.0, 0.01);
  fc.bias.zero_();
}

torch::Tensor RegNet::features(const torch::Tensor& x) {
  detail::checkImageBatch(x, "RegNet");
  auto y = stem_->forward(x);
  for (const auto& block : blocks_) y = block->forward(y);
  return torch::adaptive_avg_pool2d(y, {1, 1}).flatten(1);
}

}  // namespace gazecoder
