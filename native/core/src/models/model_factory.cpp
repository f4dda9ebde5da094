#include "gazecoder/models/model_factory.h"

#include "gazecoder/models/regnet.h"
#include "gazecoder/models/resnet.h"

#include <torch/torch.h>

#include <algorithm>
#include <functional>
#include <utility>

namespace gazecoder {
namespace {

using BackboneBuilder = std::function<std::shared_ptr<ImageBackbone>(int64_t numClasses, WeightInit init)>;

const std::vector<std::pair<std::string, BackboneBuilder>>& registry() {
  static const auto table = [] {
    std::vector<std::pair<std::string, BackboneBuilder>> builders;
    for (const auto& [name, params] : regnetConfigs()) {
      builders.emplace_back(name, [params = params](int64_t n, WeightInit init) {
        return std::make_shared<RegNet>(params, n, 32, init);
      });
    }
    for (const auto& [name, depths] : {std::pair<std::string, std::vector<int64_t>>{"resnet18", {2, 2, 2, 2}},
                                       std::pair<std::string, std::vector<int64_t>>{"resnet34", {3, 4, 6, 3}}}) {
      builders.emplace_back(name, [depths = depths](int64_t n, WeightInit init) {
        return std::make_shared<ResNet>(depths, n, ResNetBlock::Basic, init);
      });
    }
    return builders;
  }();
  return table;
}

}  // namespace

std::vector<std::string> listArchitectures() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

std::shared_ptr<ImageBackbone> makeBackbone(const std::string& arch, int64_t numClasses, WeightInit init) {
  const auto& builders = registry();
  const auto found =
      std::find_if(builders.begin(), builders.end(), [&](const auto& entry) { return entry.first == arch; });
  if (found == builders.end()) {
    std::string known;
    for (const auto& entry : builders) known += (known.empty() ? "" : ", ") + entry.first;
    TORCH_CHECK(false, "unknown architecture '", arch, "'; known: ", known);
  }
  return found->second(numClasses, init);
}

std::shared_ptr<GazeCodingModel> makeGazeModel(const std::string& arch, int64_t window, WeightInit init) {
  return std::make_shared<GazeCodingModel>(makeBackbone(arch, GazeCodingModel::kEmbeddingWidth, init), window);
}

std::shared_ptr<torch::nn::Module> makeModel(const ModelSpec& spec) {
  if (spec.kind == ModelSpec::Kind::Gaze) return makeGazeModel(spec.arch, spec.window, spec.init);
  return makeBackbone(spec.arch, spec.numClasses, spec.init);
}

void convertModel(torch::nn::Module& module, c10::ScalarType dtype, bool channelsLast) {
  TORCH_CHECK(c10::isFloatingType(dtype), "convertModel: ", dtype, " is not a floating-point type");
  torch::NoGradGuard noGrad;
  const auto convert = [&](const torch::Tensor& t) {
    const auto format = channelsLast && t.dim() == 4 ? c10::MemoryFormat::ChannelsLast : c10::MemoryFormat::Contiguous;
    return t.to(dtype).contiguous(format);
  };
  for (auto& parameter : module.parameters()) {
    parameter.set_data(convert(parameter));
    if (parameter.grad().defined()) parameter.mutable_grad() = convert(parameter.grad());
  }
  for (auto& buffer : module.buffers()) {
    if (buffer.is_floating_point()) buffer.set_data(convert(buffer));
  }
}

}  // namespace gazecoder
