#include "gazecoder/train/autocast.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace gazecoder::train {
namespace {

// LibTorch 2.4 replaced the per-device setters by ones taking the device type.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
bool isEnabled(c10::DeviceType d) { return at::autocast::is_autocast_enabled(d); }
void setEnabled(c10::DeviceType d, bool on) { at::autocast::set_autocast_enabled(d, on); }
c10::ScalarType getDtype(c10::DeviceType d) { return at::autocast::get_autocast_dtype(d); }
void setDtype(c10::DeviceType d, c10::ScalarType t) { at::autocast::set_autocast_dtype(d, t); }
#else
bool isEnabled(c10::DeviceType d) { return d == c10::kCUDA ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled(); }
void setEnabled(c10::DeviceType d, bool on) {
  if (d == c10::kCUDA) at::autocast::set_enabled(on); else at::autocast::set_cpu_enabled(on);
}
c10::ScalarType getDtype(c10::DeviceType d) {
  return d == c10::kCUDA ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
}
void setDtype(c10::DeviceType d, c10::ScalarType t) {
  if (d == c10::kCUDA) at::autocast::set_autocast_gpu_dtype(t); else at::autocast::set_autocast_cpu_dtype(t);
}
#endif

}  // namespace

AutocastScope::AutocastScope(c10::DeviceType device, std::optional<c10::ScalarType> dtype) : device_(device) {
  if (!dtype) return;
  active_ = true;
  wasEnabled_ = isEnabled(device);
  previousDtype_ = getDtype(device);
  setEnabled(device, true);
  setDtype(device, *dtype);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // As torch.autocast's __exit__: the outermost scope drops the cache of casted weights.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  setEnabled(device_, wasEnabled_);
  setDtype(device_, previousDtype_);
}

}  // namespace gazecoder::train
