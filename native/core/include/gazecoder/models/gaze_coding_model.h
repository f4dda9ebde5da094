#pragma once
// iCatcher+'s GazeCodingModel (src/icatcher/models.py): an image encoder and a box encoder per frame,
// and an MLP over a window of frames that predicts [away, left, right] logits for the window.
#include "gazecoder/models/backbone.h"

#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/dropout.h>
#include <torch/nn/modules/linear.h>

#include <cstdint>
#include <memory>

namespace gazecoder {

// iCatcher+'s Encoder_box: fc1 (5 -> 256), bn, ReLU, dropout, fc2 (256 -> 256).
class BoxEncoder : public torch::nn::Module {
 public:
  BoxEncoder();
  // K×5 -> K×256.
  torch::Tensor forward(const torch::Tensor& boxes);

 private:
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr};
  torch::nn::BatchNorm1d bn_{nullptr};
  torch::nn::Dropout dropout_{nullptr};
};

// iCatcher+'s Predictor_fc: fc1, bn1, ReLU, dropout, fc2, bn2, ReLU, dropout, fc3 (-> 3 logits).
class GazePredictor : public torch::nn::Module {
 public:
  explicit GazePredictor(int64_t inFeatures);
  // B×inFeatures -> B×3.
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Linear fc1_{nullptr}, fc2_{nullptr}, fc3_{nullptr};
  torch::nn::BatchNorm1d bn1_{nullptr}, bn2_{nullptr};
  torch::nn::Dropout dropout1_{nullptr}, dropout2_{nullptr};
};

class GazeCodingModel : public torch::nn::Module {
 public:
  static constexpr int64_t kEmbeddingWidth = 256;  // per frame, for the image and for the box
  static constexpr int64_t kBoxFeatures = 5;
  static constexpr int64_t kNumClasses = 3;  // away, left, right

  // Takes the image encoder as `encoder_img`; its head is replaced by a fresh Linear(featureWidth, 256)
  // unless it already has 256 outputs. window: frames per prediction (iCatcher+ uses 5).
  explicit GazeCodingModel(std::shared_ptr<ImageBackbone> encoderImg, int64_t window = 5);

  // images B×N×3×H×W, boxes B×N×5 (N = window()) -> B×3 logits.
  torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& boxes);

  // The parts of forward(), so that each frame can be encoded once and shared by overlapping windows.
  // K×3×H×W -> K×256.
  torch::Tensor encodeImages(const torch::Tensor& images);
  // K×5 -> K×256.
  torch::Tensor encodeBoxes(const torch::Tensor& boxes);
  // imageEmbeddings B×N×256 (from encodeImages), boxes B×N×5 -> B×3 logits.
  torch::Tensor predictFromEmbeddings(const torch::Tensor& imageEmbeddings, const torch::Tensor& boxes);
  // imageEmbeddings and boxEmbeddings B×N×256 -> B×3 logits.
  torch::Tensor predict(const torch::Tensor& imageEmbeddings, const torch::Tensor& boxEmbeddings);

  int64_t window() const { return window_; }
  ImageBackbone& encoderImg() { return *encoderImg_; }

 private:
  int64_t window_;
  std::shared_ptr<ImageBackbone> encoderImg_;
  std::shared_ptr<BoxEncoder> encoderBox_;
  std::shared_ptr<GazePredictor> predictor_;
};

}  // namespace gazecoder
