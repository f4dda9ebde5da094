#include "gazecoder/faces/infant_face_classifier.h"

#include <torch/torch.h>

#include "gazecoder/device.h"

namespace gazecoder {

InfantFaceClassifier::InfantFaceClassifier(const std::string& device) : device_(resolveDevice(device)), net_(std::make_shared<Vgg16>(2)) {
  net_->eval();
  net_->to(device_);
}

LoadReport InfantFaceClassifier::loadWeights(const std::string& path, const CheckpointReadOptions& options) {
  return loadWeights(loadStateDictFile(path, options), path);
}

LoadReport InfantFaceClassifier::loadWeights(const StateDict& state, const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  const LoadReport report = loadStateDict(*net_, state);
  if (!report.ok()) {
    throw CheckpointError(path + ": not an infant-face classifier (VGG16, 2 classes) like face_classifier_lookit.pth:\n" +
                          report.describeProblems());
  }
  return report;
}

torch::Tensor InfantFaceClassifier::transform(const RgbCrop& crop) {
  namespace F = torch::nn::functional;
  TORCH_CHECK(crop.height > 0 && crop.width > 0, "infant-face classifier: an empty face crop (", crop.height, "×", crop.width, ")");
  // ToTensor: HWC uint8 -> CHW float32 / 255.
  auto image = torch::from_blob(const_cast<uint8_t*>(crop.data), {crop.height, crop.width, 3}, torch::kUInt8)
                   .permute({2, 0, 1})
                   .contiguous()
                   .to(torch::kFloat32)
                   .div(255);
  // Resize((100, 100), antialias=True) on a tensor: torchvision returns a crop of that size untouched.
  if (crop.height != kInputSize || crop.width != kInputSize) {
    image = F::interpolate(image.unsqueeze(0), F::InterpolateFuncOptions()
                                                   .size(std::vector<int64_t>{kInputSize, kInputSize})
                                                   .mode(torch::kBilinear)
                                                   .align_corners(false)
                                                   .antialias(true))
                .squeeze(0);
  }
  // CenterCrop(100) of a 100×100 image is the image. Normalize: (x - mean) / std per channel.
  const auto mean = torch::tensor({0.485, 0.456, 0.406}, torch::kFloat32).view({-1, 1, 1});
  const auto std = torch::tensor({0.229, 0.224, 0.225}, torch::kFloat32).view({-1, 1, 1});
  return image.clone().sub_(mean).div_(std);
}

std::vector<FaceClass> InfantFaceClassifier::classify(const std::vector<RgbCrop>& crops) {
  if (crops.empty()) return {};
  torch::NoGradGuard noGrad;
  std::vector<torch::Tensor> images;
  for (const auto& crop : crops) images.push_back(transform(crop));
  const auto batch = torch::stack(images).to(device_);
  torch::Tensor logits;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    logits = net_->forward(batch).to(torch::kCPU, torch::kFloat32).contiguous();
  }
  const auto labels = std::get<1>(torch::max(logits, 1));
  std::vector<FaceClass> out;
  const auto l = logits.accessor<float, 2>();
  for (int64_t i = 0; i < logits.size(0); ++i) out.push_back({labels[i].item<int64_t>(), {l[i][0], l[i][1]}});
  return out;
}

}  // namespace gazecoder
