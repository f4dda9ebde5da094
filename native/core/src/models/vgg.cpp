#include "gazecoder/models/vgg.h"

#include <torch/torch.h>

#include "layers.h"

namespace gazecoder {

Vgg16::Vgg16(int64_t numClasses) : torch::nn::Module("VGG") {
  TORCH_CHECK(numClasses > 0, "VGG16: the number of classes must be positive, got ", numClasses);
  // Configuration "D": output channels of each 3×3 conv, 0 for a 2×2 max pool.
  static constexpr int64_t kLayers[] = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};
  torch::nn::Sequential features;
  int64_t in = 3;
  for (const int64_t out : kLayers) {
    if (out == 0) {
      features->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).stride(2)));
      continue;
    }
    features->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1)));
    features->push_back(torch::nn::ReLU(torch::nn::ReLUOptions(true)));
    in = out;
  }
  features_ = register_module("features", features);
  classifier_ = register_module("classifier", torch::nn::Sequential(torch::nn::Linear(512 * 7 * 7, 4096), torch::nn::ReLU(true),
                                                                    torch::nn::Dropout(0.5), torch::nn::Linear(4096, 4096),
                                                                    torch::nn::ReLU(true), torch::nn::Dropout(0.5),
                                                                    torch::nn::Linear(4096, numClasses)));
}

torch::Tensor Vgg16::forward(const torch::Tensor& x) {
  detail::checkImageBatch(x, "VGG16");
  auto y = torch::adaptive_avg_pool2d(features_->forward(x), {7, 7});
  return classifier_->forward(y.flatten(1));
}

}  // namespace gazecoder
