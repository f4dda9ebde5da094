#pragma once
// The image encoders (torchvision RegNet and ResNet) behind one interface, so that the gaze model and
// the trainer do not care which one they hold.
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <string>

namespace gazecoder {

// How a freshly built model's weights are set: as torchvision initialises it, or left at LibTorch's
// layer defaults for a model whose every weight is loaded next (torchvision's draws over a large
// model's weights are a noticeable part of its start-up on a CPU).
enum class WeightInit { Torchvision, ForLoading };

// An image classifier whose last layer is a Linear registered as `fc` (torchvision's layout), so
// that its state dict matches torchvision's key for key.
class ImageBackbone : public torch::nn::Module {
 public:
  // N×3×H×W images -> N×numClasses() logits: features() followed by `fc`.
  virtual torch::Tensor forward(const torch::Tensor& x);
  // N×3×H×W images -> N×featureWidth() pooled features (the input of `fc`).
  virtual torch::Tensor features(const torch::Tensor& x) = 0;
  // Input width of `fc`.
  virtual int64_t featureWidth() const = 0;

  int64_t numClasses() const;
  torch::nn::Linear& head() { return fc_; }
  // Replaces `fc` with a fresh Linear(featureWidth(), numClasses), initialised the way the torchvision
  // constructor initialises it, on the old head's device and dtype. The key order is unchanged.
  void replaceHead(int64_t numClasses);

 protected:
  explicit ImageBackbone(const std::string& name);
  // Registers `fc`; subclasses call it after their trunk so that `fc.*` come last in the state dict.
  void registerHead(int64_t numClasses);
  // The torchvision initialisation of the head (LibTorch's Linear default unless overridden).
  virtual void initHead(torch::nn::LinearImpl& fc) const;

 private:
  torch::nn::Linear fc_{nullptr};
};

}  // namespace gazecoder
