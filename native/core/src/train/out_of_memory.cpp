#include "out_of_memory.h"

#include <algorithm>
#include <stdexcept>

namespace gazecoder::train {

bool isOutOfMemory(const std::string& message) {
  return message.find("out of memory") != std::string::npos || message.find("can't allocate memory") != std::string::npos;
}

void throwOutOfMemory(const TrainConfig& config, const char* phase, const std::string& detail) {
  throw std::runtime_error(std::string("out of memory during ") + phase + " at --batch-size " +
                           std::to_string(config.batchSize) + " on " + config.device + " (" + config.arch + ", amp " +
                           ampName(config.amp) + "); try a smaller --batch-size, e.g. " +
                           std::to_string(std::max<int64_t>(1, config.batchSize / 2)) + ". " + detail);
}

}  // namespace gazecoder::train
