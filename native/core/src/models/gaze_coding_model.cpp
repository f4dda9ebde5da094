#include "gazecoder/models/gaze_coding_model.h"

#include <torch/torch.h>

#include "gazecoder/distributed/batch_shard.h"

namespace gazecoder {

// Registration order = iCatcher+'s attribute order, which fixes the state-dict order.
BoxEncoder::BoxEncoder() : torch::nn::Module("Encoder_box") {
  fc1_ = register_module("fc1", torch::nn::Linear(GazeCodingModel::kBoxFeatures, GazeCodingModel::kEmbeddingWidth));
  fc2_ = register_module("fc2", torch::nn::Linear(GazeCodingModel::kEmbeddingWidth, GazeCodingModel::kEmbeddingWidth));
  bn_ = register_module("bn", torch::nn::BatchNorm1d(GazeCodingModel::kEmbeddingWidth));
  dropout_ = register_module("dropout", torch::nn::Dropout(0.2));
}

torch::Tensor BoxEncoder::forward(const torch::Tensor& boxes) {
  return fc2_->forward(distributed::dropout(*dropout_, torch::relu(distributed::batchNorm(*bn_, fc1_->forward(boxes)))));
}

GazePredictor::GazePredictor(int64_t inFeatures) : torch::nn::Module("Predictor_fc") {
  constexpr int64_t kHidden = 512;
  fc1_ = register_module("fc1", torch::nn::Linear(inFeatures, kHidden));
  fc2_ = register_module("fc2", torch::nn::Linear(kHidden, kHidden));
  fc3_ = register_module("fc3", torch::nn::Linear(kHidden, GazeCodingModel::kNumClasses));
  bn1_ = register_module("bn1", torch::nn::BatchNorm1d(kHidden));
  bn2_ = register_module("bn2", torch::nn::BatchNorm1d(kHidden));
  dropout1_ = register_module("dropout1", torch::nn::Dropout(0.2));
  dropout2_ = register_module("dropout2", torch::nn::Dropout(0.2));
}

torch::Tensor GazePredictor::forward(const torch::Tensor& x) {
  auto y = distributed::dropout(*dropout1_, torch::relu(distributed::batchNorm(*bn1_, fc1_->forward(x))));
  y = distributed::dropout(*dropout2_, torch::relu(distributed::batchNorm(*bn2_, fc2_->forward(y))));
  return fc3_->forward(y);
}

GazeCodingModel::GazeCodingModel(std::shared_ptr<ImageBackbone> encoderImg, int64_t window)
    : torch::nn::Module("GazeCodingModel"), window_(window) {
  TORCH_CHECK(encoderImg, "GazeCodingModel needs an image encoder");
  TORCH_CHECK(window > 0, "GazeCodingModel: the window must be at least 1 frame, got ", window);
  if (encoderImg->numClasses() != kEmbeddingWidth) encoderImg->replaceHead(kEmbeddingWidth);
  encoderImg_ = register_module("encoder_img", std::move(encoderImg));
  encoderBox_ = register_module("encoder_box", std::make_shared<BoxEncoder>());
  predictor_ = register_module("predictor", std::make_shared<GazePredictor>(2 * kEmbeddingWidth * window));
}

torch::Tensor GazeCodingModel::encodeImages(const torch::Tensor& images) { return encoderImg_->forward(images); }

torch::Tensor GazeCodingModel::encodeBoxes(const torch::Tensor& boxes) {
  TORCH_CHECK(boxes.dim() == 2 && boxes.size(1) == kBoxFeatures, "GazeCodingModel expects boxes K×", kBoxFeatures,
              ", got a tensor of shape ", boxes.sizes());
  return encoderBox_->forward(boxes);
}

torch::Tensor GazeCodingModel::predictFromEmbeddings(const torch::Tensor& imageEmbeddings,
                                                     const torch::Tensor& boxes) {
  TORCH_CHECK(boxes.dim() == 3 && boxes.size(1) == window_ && boxes.size(2) == kBoxFeatures,
              "GazeCodingModel expects boxes B×", window_, "×", kBoxFeatures, ", got a tensor of shape ",
              boxes.sizes());
  const auto boxEmbeddings = encodeBoxes(boxes.reshape({-1, kBoxFeatures})).view({-1, window_, kEmbeddingWidth});
  return predict(imageEmbeddings, boxEmbeddings);
}

torch::Tensor GazeCodingModel::predict(const torch::Tensor& imageEmbeddings, const torch::Tensor& boxEmbeddings) {
  for (const auto* embeddings : {&imageEmbeddings, &boxEmbeddings}) {
    TORCH_CHECK(embeddings->dim() == 3 && embeddings->size(1) == window_ && embeddings->size(2) == kEmbeddingWidth,
                "GazeCodingModel expects embeddings B×", window_, "×", kEmbeddingWidth, ", got a tensor of shape ",
                embeddings->sizes());
  }
  TORCH_CHECK(imageEmbeddings.size(0) == boxEmbeddings.size(0), "GazeCodingModel: ", imageEmbeddings.size(0),
              " windows of image embeddings but ", boxEmbeddings.size(0), " of boxes");
  // Per frame the image embedding comes first; frames are then flattened in order (iCatcher+).
  return predictor_->forward(torch::cat({imageEmbeddings, boxEmbeddings}, -1).flatten(1));
}

torch::Tensor GazeCodingModel::forward(const torch::Tensor& images, const torch::Tensor& boxes) {
  TORCH_CHECK(images.dim() == 5 && images.size(1) == window_ && images.size(2) == 3,
              "GazeCodingModel expects images B×", window_, "×3×H×W, got a tensor of shape ", images.sizes());
  TORCH_CHECK(boxes.dim() == 3 && boxes.size(0) == images.size(0), "GazeCodingModel expects boxes ", images.size(0),
              "×", window_, "×", kBoxFeatures, " for ", images.size(0), " windows of images, got a tensor of shape ",
              boxes.sizes());
  const auto imageEmbeddings = encodeImages(images.flatten(0, 1)).view({-1, window_, kEmbeddingWidth});
  return predictFromEmbeddings(imageEmbeddings, boxes);
}

}  // namespace gazecoder
