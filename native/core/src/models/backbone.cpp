#include "gazecoder/models/backbone.h"

#include "gazecoder/distributed/batch_shard.h"
#include "layers.h"

#include <torch/torch.h>

namespace gazecoder {

ImageBackbone::ImageBackbone(const std::string& name) : torch::nn::Module(name) {}

torch::Tensor ImageBackbone::forward(const torch::Tensor& x) { return fc_->forward(features(x)); }

int64_t ImageBackbone::numClasses() const { return fc_->options.out_features(); }

void ImageBackbone::registerHead(int64_t numClasses) {
  TORCH_CHECK(numClasses > 0, name(), ": the number of classes must be positive, got ", numClasses);
  fc_ = register_module("fc", torch::nn::Linear(featureWidth(), numClasses));
}

void ImageBackbone::initHead(torch::nn::LinearImpl& /*fc*/) const {}

void ImageBackbone::replaceHead(int64_t numClasses) {
  TORCH_CHECK(numClasses > 0, name(), ": the number of classes must be positive, got ", numClasses);
  torch::nn::Linear fc(featureWidth(), numClasses);
  initHead(*fc);
  fc->to(fc_->weight.device(), fc_->weight.scalar_type());
  fc_ = replace_module("fc", fc);
}

namespace detail {

torch::nn::Conv2d makeConv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel)
                               .stride(stride)
                               .padding((kernel - 1) / 2)
                               .groups(groups)
                               .bias(false));
}

ConvNormActivation::ConvNormActivation(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t groups,
                                       bool relu)
    : torch::nn::Module("ConvNormActivation"), relu_(relu) {
  conv_ = register_module("0", makeConv(in, out, kernel, stride, groups));
  // LibTorch's defaults are torchvision's: eps 1e-5, momentum 0.1.
  bn_ = register_module("1", torch::nn::BatchNorm2d(out));
}

torch::Tensor ConvNormActivation::forward(const torch::Tensor& x) {
  auto y = distributed::batchNorm(*bn_, conv_->forward(x));
  return relu_ ? torch::relu_(y) : y;
}

void checkImageBatch(const torch::Tensor& x, const char* model) {
  TORCH_CHECK(x.dim() == 4 && x.size(1) == 3, model, " expects N×3×H×W images, got a tensor of shape ", x.sizes());
}

}  // namespace detail
}  // namespace gazecoder
