#pragma once
// torchvision's RegNet (regnet.py): SimpleStemIN, ResBottleneckBlock stages, avgpool, fc. Module
// names follow torchvision so that state dicts load without remapping.
#include "gazecoder/models/backbone.h"

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace gazecoder {

// The arguments of torchvision's BlockParams.from_init_params (the RegNet design-space parameters).
struct RegNetParams {
  int64_t depth = 0;  // blocks in all stages together
  int64_t w0 = 0;     // initial width, a multiple of 8
  double wA = 0;      // width slope
  double wM = 0;      // width multiplier between stages, > 1
  int64_t groupWidth = 1;
  double bottleneckMultiplier = 1.0;
  double seRatio = 0;  // squeeze width relative to the block input width; 0 = no SE (RegNetX)
};

struct RegNetStage {
  int64_t depth;
  int64_t width;  // output width of every block of the stage
  int64_t stride;
  int64_t groupWidth;
  double bottleneckMultiplier;
};

// torchvision's BlockParams: the per-stage settings a RegNet is built from.
struct RegNetBlockParams {
  std::vector<RegNetStage> stages;
  double seRatio = 0;

  // BlockParams.from_init_params with _adjust_widths_groups_compatibilty, computed with the same
  // float32 torch ops so that the quantised widths round identically.
  static RegNetBlockParams fromInitParams(const RegNetParams& params);
};

// torchvision's regnet_y_* and regnet_x_* configurations, by function name (e.g. "regnet_y_16gf").
const std::vector<std::pair<std::string, RegNetParams>>& regnetConfigs();

namespace detail {
class ConvNormActivation;
class ResBottleneckBlock;
}  // namespace detail

class RegNet : public ImageBackbone {
 public:
  explicit RegNet(const RegNetBlockParams& blockParams, int64_t numClasses = 1000, int64_t stemWidth = 32,
                  WeightInit init = WeightInit::Torchvision);
  explicit RegNet(const RegNetParams& params, int64_t numClasses = 1000, int64_t stemWidth = 32,
                  WeightInit init = WeightInit::Torchvision);

  torch::Tensor features(const torch::Tensor& x) override;
  int64_t featureWidth() const override { return featureWidth_; }
  const RegNetBlockParams& blockParams() const { return blockParams_; }

 protected:
  void initHead(torch::nn::LinearImpl& fc) const override;

 private:
  RegNetBlockParams blockParams_;
  int64_t featureWidth_;
  std::shared_ptr<detail::ConvNormActivation> stem_;
  std::vector<std::shared_ptr<detail::ResBottleneckBlock>> blocks_;  // all stages in order
};

}  // namespace gazecoder
