#pragma once
// iCatcher+'s infant-face classifier (--use_fc_model): torchvision's VGG-16 with two classes, 0 = infant,
// 1 = not an infant, on each detected face cropped from the RGB frame, with its "val" transform
// (ToTensor, Resize((100, 100), antialias=True) on the tensor, CenterCrop(100), ImageNet Normalize).
#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <torch/types.h>

#include "gazecoder/checkpoint/checkpoint.h"
#include "gazecoder/checkpoint/state_dict.h"
#include "gazecoder/models/vgg.h"

namespace gazecoder {

// A face crop: 8-bit RGB, rows × cols × 3, row-major without padding.
struct RgbCrop {
  const uint8_t* data;
  int64_t height;
  int64_t width;
};

struct FaceClass {
  int64_t label;                // argmax of the logits: 0 infant, 1 not an infant (torch.max's first on ties)
  std::array<float, 2> logits;  // the network's outputs
};

class InfantFaceClassifier {
 public:
  static constexpr int64_t kInputSize = 100;

  explicit InfantFaceClassifier(const std::string& device = "cpu");

  // A face_classifier_*.pth state dict (vgg16(num_classes=2)'s keys). On a problem CheckpointError
  // names the file and each key, and the network is unchanged.
  LoadReport loadWeights(const std::string& path, const CheckpointReadOptions& options = {});
  // The same from a state dict already read; `path` names it in errors.
  LoadReport loadWeights(const StateDict& state, const std::string& path);

  // The transform of one crop: 3×100×100 float32.
  static torch::Tensor transform(const RgbCrop& crop);
  // All of one frame's faces in one batch, as iCatcher+'s select_face runs them. Empty crops are an error.
  std::vector<FaceClass> classify(const std::vector<RgbCrop>& crops);

  torch::Device device() const { return device_; }
  Vgg16& net() { return *net_; }

 private:
  torch::Device device_;
  std::shared_ptr<Vgg16> net_;
  std::mutex mutex_;
};

}  // namespace gazecoder
