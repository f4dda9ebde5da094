#include "gazecoder/model.h"

#include <torch/torch.h>

#include <stdexcept>

#include "gazecoder/checkpoint/checkpoint.h"
#include "gazecoder/device.h"
#include "gazecoder/models/regnet_spec.h"

namespace gazecoder {
namespace {

bool startsWith(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }

std::string stripDdp(const std::string& key) { return startsWith(key, "module.") ? key.substr(7) : key; }

bool hasKeyStartingWith(const StateDict& state, const std::string& prefix) {
  for (const auto& item : state) {
    if (startsWith(stripDdp(item.key()), prefix)) return true;
  }
  return false;
}

// Shape of `key` in the file (DDP prefix ignored), or nothing when the file lacks it.
std::optional<std::vector<int64_t>> fileShape(const StateDict& state, const std::string& key) {
  for (const auto& item : state) {
    if (stripDdp(item.key()) == key) return item.value().sizes().vec();
  }
  return std::nullopt;
}

}  // namespace

Model::Model(const ModelSpec& spec, const std::string& device) : spec_(spec), device_(resolveDevice(device)) {
  if (spec.kind == ModelSpec::Kind::Gaze) {
    gaze_ = makeGazeModelForArch(spec.arch, spec.window, spec.init);
  } else {
    backbone_ = makeBackbone(spec.arch, spec.numClasses, spec.init);
  }
  module().to(device_);
}

torch::nn::Module& Model::module() const {
  return gaze_ ? static_cast<torch::nn::Module&>(*gaze_) : static_cast<torch::nn::Module&>(*backbone_);
}

int64_t Model::parameterCount() const {
  std::lock_guard<std::mutex> lock(mutex_);
  int64_t n = 0;
  for (const auto& p : module().parameters()) n += p.numel();
  return n;
}

std::vector<std::pair<std::string, std::vector<int64_t>>> Model::stateShapes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::pair<std::string, std::vector<int64_t>>> shapes;
  for (const auto& item : stateDictOf(module())) shapes.emplace_back(item.key(), item.value().sizes().vec());
  return shapes;
}

WeightsReport loadWeightsInto(torch::nn::Module& module, ImageBackbone* backbone, const std::string& path,
                              const std::string& name, const CheckpointReadOptions& readOptions) {
  const StateDict state = loadStateDictFile(path, readOptions);
  WeightsReport report;
  LoadOptions options;
  report.interpretedAs = "checkpoint";
  if (!backbone && !hasKeyStartingWith(state, "encoder_img.")) {
    // A bare classifier: iCatcher+ fine-tunes it as encoder_img with a fresh 256-wide fc.
    report.interpretedAs = "torchvision backbone";
    options.targetPrefix = "encoder_img.";
    options.skipPrefixes = {"encoder_img.fc."};
    options.allowMissingPrefixes = {"encoder_img.fc.", "encoder_box.", "predictor."};
  } else if (const auto fc = fileShape(state, "fc.weight");
             backbone && fc && *fc != backbone->head()->weight.sizes().vec()) {
    // ImageNet weights for a backbone with another number of classes: keep our own fc.
    options.skipPrefixes = {"fc."};
    options.allowMissingPrefixes = {"fc."};
  }
  report.load = loadStateDict(module, state, options);
  if (!report.load.ok()) {
    throw CheckpointError(path + ": does not fit " + name + " (read as " + report.interpretedAs + "):\n" +
                          report.load.describeProblems());
  }
  return report;
}

WeightsReport Model::loadWeights(const std::string& path, const CheckpointReadOptions& options) {
  std::lock_guard<std::mutex> lock(mutex_);
  return loadWeightsInto(module(), backbone_.get(), path, spec_.arch + (gaze_ ? " GazeCodingModel" : ""), options);
}

void Model::saveWeights(const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  StateDict cpu;
  for (const auto& item : stateDictOf(module())) cpu.insert(item.key(), item.value().detach().to(torch::kCPU).contiguous());
  saveStateDictFile(path, cpu);
}

torch::Tensor Model::forward(const torch::Tensor& images, const std::optional<torch::Tensor>& boxes, bool train) {
  std::lock_guard<std::mutex> lock(mutex_);
  torch::NoGradGuard noGrad;
  module().train(train);
  const auto memoryFormat = channelsLast_ && images.dim() == 4 ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  const torch::Tensor x = images.to(device_, dtype_).contiguous(memoryFormat);
  torch::Tensor out;
  if (gaze_) {
    TORCH_CHECK(boxes.has_value(), "a GazeCodingModel needs boxes (B×N×5) with the images (B×N×3×H×W)");
    out = gaze_->forward(x, boxes->to(device_, dtype_));
  } else {
    TORCH_CHECK(!boxes.has_value(), "a backbone takes images only; boxes are for --gaze models");
    out = backbone_->forward(x);
  }
  return out.to(torch::kCPU, torch::kFloat32).contiguous();
}

GazeCodingModel& Model::gazeForInference(const char* what) {
  if (!gaze_) throw std::invalid_argument(std::string(what) + " needs a gaze model, not a bare " + spec_.arch);
  gaze_->eval();
  return *gaze_;
}

torch::Tensor Model::encodeImages(const torch::Tensor& images) {
  std::lock_guard<std::mutex> lock(mutex_);
  torch::NoGradGuard noGrad;
  GazeCodingModel& gaze = gazeForInference("encodeImages");
  TORCH_CHECK(images.dim() == 4 && images.size(1) == 3, "encodeImages expects images K×3×H×W, got a tensor of shape ",
              images.sizes());
  const auto memoryFormat = channelsLast_ ? at::MemoryFormat::ChannelsLast : at::MemoryFormat::Contiguous;
  return gaze.encodeImages(images.to(device_, dtype_).contiguous(memoryFormat)).to(torch::kCPU, torch::kFloat32).contiguous();
}

torch::Tensor Model::predictFromEmbeddings(const torch::Tensor& imageEmbeddings, const torch::Tensor& boxes) {
  std::lock_guard<std::mutex> lock(mutex_);
  torch::NoGradGuard noGrad;
  GazeCodingModel& gaze = gazeForInference("predictFromEmbeddings");
  return gaze.predictFromEmbeddings(imageEmbeddings.to(device_, dtype_), boxes.to(device_, dtype_))
      .to(torch::kCPU, torch::kFloat32)
      .contiguous();
}

void Model::convert(c10::ScalarType dtype, bool channelsLast) {
  std::lock_guard<std::mutex> lock(mutex_);
  convertModel(module(), dtype, channelsLast);
  dtype_ = dtype;
  channelsLast_ = channelsLast;
}

}  // namespace gazecoder
