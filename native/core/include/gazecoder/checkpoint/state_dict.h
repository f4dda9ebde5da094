#pragma once
// State dicts: named tensors in PyTorch's order and naming, and loading them into modules with a
// report of every key that did not fit.
#include <torch/nn/module.h>
#include <torch/ordered_dict.h>

#include <string>
#include <vector>

#include "gazecoder/checkpoint/checkpoint.h"

namespace gazecoder {

using StateDict = torch::OrderedDict<std::string, torch::Tensor>;

// Parameters and buffers in Python's state_dict() order (own parameters, own buffers, then children
// in registration order), keys joined with '.'. Tensors are the module's own (not copies).
StateDict stateDictOf(const torch::nn::Module& module);

// Reads a state dict from a .pth file: a top-level dict of tensors, or a dict holding one under
// "state_dict" or "model" (training checkpoints). Non-tensor entries are an error naming the key.
StateDict loadStateDictFile(const std::string& path, const CheckpointReadOptions& options = {});

// Writes a state dict as an OrderedDict that torch.load + load_state_dict(strict=True) accept.
void saveStateDictFile(const std::string& path, const StateDict& state);

struct ShapeMismatch {
  std::string key;
  std::vector<int64_t> expected;  // the module's
  std::vector<int64_t> found;     // the file's
};

struct LoadReport {
  std::vector<std::string> loaded;      // copied into the module; empty unless ok(), as nothing is copied then
  std::vector<std::string> skipped;     // present in the file, left out on purpose (skipPrefixes)
  std::vector<std::string> missing;     // in the module, not in the file
  std::vector<std::string> unexpected;  // in the file, not in the module
  std::vector<ShapeMismatch> mismatched;
  bool ok() const { return missing.empty() && unexpected.empty() && mismatched.empty(); }
  // One line per problem, e.g. "missing key: fc.weight"; empty when ok().
  std::string describeProblems() const;
};

struct LoadOptions {
  // Prefix added to every file key before matching (e.g. "encoder_img." to load a torchvision
  // backbone into a GazeCodingModel).
  std::string targetPrefix;
  // File keys (after targetPrefix) starting with one of these are skipped and reported.
  std::vector<std::string> skipPrefixes;
  // Keys in the module starting with one of these may be absent from the file.
  std::vector<std::string> allowMissingPrefixes;
  // Keys in the module ending with one of these may be absent from the file (".num_batches_tracked":
  // files saved before PyTorch 0.4.1 lack it, and inference does not use it).
  std::vector<std::string> allowMissingSuffixes;
  // Strip a leading "module." (DDP) from every file key.
  bool stripDataParallelPrefix = true;
};

// Copies matching tensors into the module (no autograd, dtype/device of the module kept).
// Nothing is copied unless every key fits: on problems the module is unchanged and the report says why.
LoadReport loadStateDict(torch::nn::Module& module, const StateDict& state, const LoadOptions& options = {});

}  // namespace gazecoder
