#pragma once
// Building models by architecture name, and converting a whole model's dtype and memory format.
#include "gazecoder/models/backbone.h"
#include "gazecoder/models/gaze_coding_model.h"

#include <c10/core/ScalarType.h>
#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace gazecoder {

struct ModelSpec {
  enum class Kind { Backbone, Gaze };
  std::string arch = "regnet_y_16gf";  // one of listArchitectures()
  Kind kind = Kind::Gaze;
  int64_t numClasses = 1000;  // Backbone only: outputs of `fc`
  int64_t window = 5;         // Gaze only: frames per prediction
  WeightInit init = WeightInit::Torchvision;
};

// torchvision function names: every regnet_y_* and regnet_x_*, resnet18, resnet34.
std::vector<std::string> listArchitectures();

// Randomly initialised as torchvision initialises it (unless `init` says the weights are loaded next).
// Unknown names are an error listing the known ones.
std::shared_ptr<ImageBackbone> makeBackbone(const std::string& arch, int64_t numClasses = 1000,
                                            WeightInit init = WeightInit::Torchvision);
// iCatcher+'s GazeCodingModel with `arch` as encoder_img (built with a 256-wide fc, as iCatcher+ does).
std::shared_ptr<GazeCodingModel> makeGazeModel(const std::string& arch = "regnet_y_16gf", int64_t window = 5,
                                               WeightInit init = WeightInit::Torchvision);
std::shared_ptr<torch::nn::Module> makeModel(const ModelSpec& spec);

// Converts every floating-point parameter, gradient and buffer to `dtype`; integer buffers
// (num_batches_tracked) keep their type, as with Python's Module.to(dtype). With channelsLast, 4-d
// tensors (conv weights) are stored channels_last, otherwise contiguous.
void convertModel(torch::nn::Module& module, c10::ScalarType dtype, bool channelsLast);

}  // namespace gazecoder
