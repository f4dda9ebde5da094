#include "gazecoder/device.h"

#include <torch/cuda.h>

#include <stdexcept>

namespace gazecoder {

torch::Device resolveDevice(const std::string& spec) {
  if (spec.empty() || spec == "auto") {
    return torch::cuda::is_available() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  }
  torch::Device device(torch::kCPU);
  try {
    device = torch::Device(spec);
  } catch (const c10::Error&) {
    throw std::invalid_argument("unknown device '" + spec + "' (expected auto, cpu, cuda or cuda:N)");
  }
  if (device.is_cuda()) {
    const auto count = torch::cuda::device_count();
    if (count == 0) throw std::invalid_argument("device '" + spec + "' requested, but CUDA is not available here");
    if (device.has_index() && device.index() >= static_cast<int64_t>(count)) {
      throw std::invalid_argument("device '" + spec + "' requested, but only " + std::to_string(count) +
                                  " CUDA device(s) exist");
    }
  }
  return device;
}

}  // namespace gazecoder
