#pragma once
// One model as users handle it: built from a spec, weights in and out of .pth files, a forward pass
// on the device it lives on. Calls are serialised, so it can be driven from worker threads.
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "gazecoder/checkpoint/state_dict.h"
#include "gazecoder/models/model_factory.h"

namespace gazecoder {

struct WeightsReport {
  // What the file was taken for: "checkpoint" (the model's own keys), or "torchvision backbone"
  // (a bare classifier's keys loaded into encoder_img, its fc left out).
  std::string interpretedAs;
  LoadReport load;
};

// Model::loadWeights' policy for a module held elsewhere (e.g. by the trainer): `backbone` is the module
// when it is a bare classifier, null when it is a GazeCodingModel; `name` describes it in errors.
WeightsReport loadWeightsInto(torch::nn::Module& module, ImageBackbone* backbone, const std::string& path,
                              const std::string& name, const CheckpointReadOptions& options = {});

class Model {
 public:
  // device: as resolveDevice() takes it ("auto", "cpu", "cuda:0", ...).
  explicit Model(const ModelSpec& spec, const std::string& device = "cpu");

  const ModelSpec& spec() const { return spec_; }
  torch::Device device() const { return device_; }
  int64_t parameterCount() const;
  // Python state_dict() keys and shapes, in order.
  std::vector<std::pair<std::string, std::vector<int64_t>>> stateShapes() const;

  // Reads a .pth state dict and copies it in. A gaze model also takes a bare torchvision backbone
  // (ImageNet weights): those keys go to encoder_img and its 1000-class fc is skipped. A backbone
  // whose fc has another width than the file's keeps its own fc and reports the file's as skipped.
  // Throws CheckpointError listing every missing, unexpected or mis-shaped key; the model is then unchanged.
  WeightsReport loadWeights(const std::string& path, const CheckpointReadOptions& options = {});
  // Atomically writes the state dict (CPU, the model's dtype) as torch.load reads it.
  void saveWeights(const std::string& path);

  // Backbone: images N×3×H×W -> N×numClasses. Gaze: images B×N×3×H×W and boxes B×N×5 -> B×3.
  // Eval mode unless `train` (then BatchNorm uses batch statistics and updates its running stats).
  // Inputs may be on any device; the result is a contiguous float32 CPU tensor.
  torch::Tensor forward(const torch::Tensor& images, const std::optional<torch::Tensor>& boxes, bool train);

  // Gaze models, eval mode: the two halves of forward(), so that a video's frames go through the image
  // encoder once and overlapping windows share the embeddings (gazecoder annotate).
  // images K×3×H×W -> K×256 image embeddings.
  torch::Tensor encodeImages(const torch::Tensor& images);
  // imageEmbeddings B×N×256 (from encodeImages), boxes B×N×5 -> B×3 logits; equals forward() on the frames.
  torch::Tensor predictFromEmbeddings(const torch::Tensor& imageEmbeddings, const torch::Tensor& boxes);

  // dtype and memory format of every parameter and buffer (integer buffers keep their type).
  void convert(c10::ScalarType dtype, bool channelsLast);

 private:
  ModelSpec spec_;
  torch::Device device_;
  c10::ScalarType dtype_ = torch::kFloat32;
  bool channelsLast_ = false;
  std::shared_ptr<ImageBackbone> backbone_;  // set for Kind::Backbone
  std::shared_ptr<GazeCodingModel> gaze_;    // set for Kind::Gaze
  mutable std::mutex mutex_;

  torch::nn::Module& module() const;
  GazeCodingModel& gazeForInference(const char* what);
};

}  // namespace gazecoder
