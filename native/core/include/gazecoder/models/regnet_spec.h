#pragma once
// Custom RegNets named by their design-space parameters, for small models in tests and experiments:
//   "regnet:depth=5,w0=16,wa=12,wm=2,group=8,se=0.25"   (optional: bottleneck=1.0; se=0 means RegNetX)
// The parameters are those of torchvision's BlockParams.from_init_params, so Python can rebuild the
// same network (test/python/reference_models.py: custom_regnet_from_spec).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "gazecoder/models/gaze_coding_model.h"
#include "gazecoder/models/regnet.h"

namespace gazecoder {

// Parameters of a "regnet:..." spec; nothing for other names. Malformed specs throw, naming the problem.
std::optional<RegNetParams> parseRegNetSpec(const std::string& arch);

// makeGazeModel for a registered architecture name or a "regnet:..." spec.
std::shared_ptr<GazeCodingModel> makeGazeModelForArch(const std::string& arch, int64_t window = 5,
                                                      WeightInit init = WeightInit::Torchvision);

}  // namespace gazecoder
