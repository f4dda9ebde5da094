#pragma once
// Out of memory in training or validation, reported as a message that names the batch size, the
// device and the settings, and suggests a smaller --batch-size.
#include <torch/torch.h>

#include <new>
#include <string>

#include "gazecoder/train/train_config.h"

namespace gazecoder::train {

bool isOutOfMemory(const std::string& message);

[[noreturn]] void throwOutOfMemory(const TrainConfig& config, const char* phase, const std::string& detail);

// Runs `fn`, turning an allocation failure into that message.
template <typename Fn>
auto guardMemory(const TrainConfig& config, const char* phase, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const c10::Error& e) {
    if (isOutOfMemory(e.what_without_backtrace())) throwOutOfMemory(config, phase, e.what_without_backtrace());
    throw;
  } catch (const std::bad_alloc&) {
    throwOutOfMemory(config, phase, "(std::bad_alloc)");
  }
}

}  // namespace gazecoder::train
