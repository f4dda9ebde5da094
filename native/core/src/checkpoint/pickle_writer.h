#pragma once
// A pickler producing the data.pkl of torch.save files (protocol 2), with tensor data set apart.
#include <ATen/core/Tensor.h>
#include <ATen/core/ivalue.h>

#include <string>
#include <vector>

namespace gazecoder::pickle {

struct Pickled {
  std::string program;               // record data.pkl
  std::vector<at::Tensor> storages;  // record data/<i>: contiguous CPU tensors
};

// Dicts become collections.OrderedDict, tensors torch._utils._rebuild_tensor_v2 calls.
// Throws CheckpointError naming `target` for values that cannot be written.
Pickled pickle(const c10::IValue& value, const std::string& target);

}  // namespace gazecoder::pickle
