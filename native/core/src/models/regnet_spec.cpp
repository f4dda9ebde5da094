#include "gazecoder/models/regnet_spec.h"

#include <torch/torch.h>

#include <map>
#include <sstream>

#include "gazecoder/models/model_factory.h"

namespace gazecoder {

std::optional<RegNetParams> parseRegNetSpec(const std::string& arch) {
  const std::string prefix = "regnet:";
  if (arch.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  std::map<std::string, double> values;
  std::istringstream fields(arch.substr(prefix.size()));
  std::string field;
  while (std::getline(fields, field, ',')) {
    const auto eq = field.find('=');
    TORCH_CHECK(eq != std::string::npos, "RegNet spec '", arch, "': '", field, "' is not key=value");
    const std::string key = field.substr(0, eq);
    TORCH_CHECK(key == "depth" || key == "w0" || key == "wa" || key == "wm" || key == "group" || key == "se" ||
                    key == "bottleneck",
                "RegNet spec '", arch, "': unknown key '", key, "' (known: depth, w0, wa, wm, group, se, bottleneck)");
    try {
      size_t used = 0;
      values[key] = std::stod(field.substr(eq + 1), &used);
      TORCH_CHECK(used == field.size() - eq - 1, "trailing characters");
    } catch (const std::exception&) {
      TORCH_CHECK(false, "RegNet spec '", arch, "': '", field.substr(eq + 1), "' is not a number");
    }
  }
  for (const char* key : {"depth", "w0", "wa", "wm", "group"}) {
    TORCH_CHECK(values.count(key), "RegNet spec '", arch, "' lacks ", key,
                " (e.g. regnet:depth=5,w0=16,wa=12,wm=2,group=8,se=0.25)");
  }
  RegNetParams params;
  params.depth = static_cast<int64_t>(values["depth"]);
  params.w0 = static_cast<int64_t>(values["w0"]);
  params.wA = values["wa"];
  params.wM = values["wm"];
  params.groupWidth = static_cast<int64_t>(values["group"]);
  params.seRatio = values.count("se") ? values["se"] : 0.0;
  params.bottleneckMultiplier = values.count("bottleneck") ? values["bottleneck"] : 1.0;
  RegNetBlockParams::fromInitParams(params);  // validates
  return params;
}

std::shared_ptr<GazeCodingModel> makeGazeModelForArch(const std::string& arch, int64_t window, WeightInit init) {
  if (const auto params = parseRegNetSpec(arch)) {
    return std::make_shared<GazeCodingModel>(
        std::make_shared<RegNet>(*params, GazeCodingModel::kEmbeddingWidth, 32, init), window);
  }
  return makeGazeModel(arch, window, init);
}

}  // namespace gazecoder
