#pragma once
#include <torch/types.h>

#include <string>

namespace gazecoder {

// "auto" (CUDA when available, else CPU), "cpu", "cuda" or "cuda:N"; a CUDA request on a machine
// without CUDA is an error that says so.
torch::Device resolveDevice(const std::string& spec);

}  // namespace gazecoder
