#pragma once
// Autocast (mixed precision) for the calling thread, for one scope: LibTorch's C++ counterpart of
// `with torch.autocast(device, dtype)`, on LibTorch 1.13 and 2.x alike.
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include <optional>

namespace gazecoder::train {

class AutocastScope {
 public:
  // No-op without a dtype. Otherwise ops of the autocast lists run in `dtype` (float16 or bfloat16)
  // on the device's type (CPU or CUDA) until the scope ends.
  AutocastScope(c10::DeviceType device, std::optional<c10::ScalarType> dtype);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  c10::DeviceType device_;
  bool wasEnabled_ = false;
  c10::ScalarType previousDtype_ = c10::ScalarType::Float;
};

}  // namespace gazecoder::train
