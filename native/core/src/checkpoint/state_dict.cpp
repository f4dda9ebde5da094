#include <gazecoder/checkpoint/state_dict.h>

#include <ATen/core/Dict.h>
#include <torch/torch.h>

#include <gazecoder/checkpoint/checkpoint.h>

#include <sstream>
#include <unordered_set>
#include <utility>

namespace gazecoder {
namespace {

// Python's Module.state_dict(): own parameters, own buffers, then each child under "<name>.".
void collect(const torch::nn::Module& module, const std::string& prefix, StateDict& out) {
  for (const auto& item : module.named_parameters(/*recurse=*/false)) {
    if (item.value().defined()) out.insert(prefix + item.key(), item.value());
  }
  for (const auto& item : module.named_buffers(/*recurse=*/false)) {
    if (item.value().defined()) out.insert(prefix + item.key(), item.value());
  }
  for (const auto& child : module.named_children()) collect(*child.value(), prefix + child.key() + ".", out);
}

bool startsWithAny(const std::string& key, const std::vector<std::string>& prefixes) {
  for (const auto& prefix : prefixes) {
    if (key.compare(0, prefix.size(), prefix) == 0) return true;
  }
  return false;
}

bool endsWithAny(const std::string& key, const std::vector<std::string>& suffixes) {
  for (const auto& suffix : suffixes) {
    if (key.size() >= suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0) return true;
  }
  return false;
}

}  // namespace

StateDict stateDictOf(const torch::nn::Module& module) {
  StateDict out;
  collect(module, "", out);
  return out;
}

StateDict loadStateDictFile(const std::string& path, const CheckpointReadOptions& options) {
  const c10::IValue top = loadPickled(path, options);
  if (!top.isGenericDict()) throw CheckpointError(path + ": expected a dict of tensors, found a " + top.tagKind());
  c10::impl::GenericDict dict = top.toGenericDict();
  // Training checkpoints keep the weights under one of these keys.
  for (const char* nested : {"state_dict", "model"}) {
    const auto it = dict.find(nested);
    if (it != dict.end() && it->value().isGenericDict()) {
      dict = it->value().toGenericDict();
      break;
    }
  }
  StateDict state;
  for (const auto& entry : dict) {
    if (!entry.key().isString()) {
      std::ostringstream key;
      key << entry.key();
      throw CheckpointError(path + ": state dict key " + key.str() + " is not a string");
    }
    const std::string& key = entry.key().toStringRef();
    if (!entry.value().isTensor()) {
      throw CheckpointError(path + ": state dict entry '" + key + "' is a " + entry.value().tagKind() +
                            ", not a tensor");
    }
    state.insert(key, entry.value().toTensor());
  }
  return state;
}

void saveStateDictFile(const std::string& path, const StateDict& state) {
  c10::impl::GenericDict dict(c10::StringType::get(), c10::TensorType::get());
  // Detached like Python's state_dict(), so the file holds values, not autograd leaves.
  for (const auto& item : state) dict.insert(item.key(), item.value().detach());
  savePickled(path, dict);
}

LoadReport loadStateDict(torch::nn::Module& module, const StateDict& state, const LoadOptions& options) {
  static const std::string kDataParallelPrefix = "module.";
  const StateDict target = stateDictOf(module);
  LoadReport report;
  std::unordered_set<std::string> matched;
  std::vector<std::pair<torch::Tensor, torch::Tensor>> copies;  // (module's, file's)
  for (const auto& item : state) {
    std::string key = item.key();
    if (options.stripDataParallelPrefix && key.compare(0, kDataParallelPrefix.size(), kDataParallelPrefix) == 0) {
      key.erase(0, kDataParallelPrefix.size());
    }
    key = options.targetPrefix + key;
    if (startsWithAny(key, options.skipPrefixes)) {
      report.skipped.push_back(key);
      continue;
    }
    const torch::Tensor* dst = target.find(key);
    // A second file key for the same module key ("x" and "module.x") cannot be loaded either.
    if (!dst || !matched.insert(key).second) {
      report.unexpected.push_back(key);
      continue;
    }
    if (dst->sizes() != item.value().sizes()) {
      report.mismatched.push_back({key, dst->sizes().vec(), item.value().sizes().vec()});
      continue;
    }
    report.loaded.push_back(key);
    copies.emplace_back(*dst, item.value());
  }
  for (const auto& item : target) {
    if (!matched.count(item.key()) && !startsWithAny(item.key(), options.allowMissingPrefixes) &&
        !endsWithAny(item.key(), options.allowMissingSuffixes)) {
      report.missing.push_back(item.key());
    }
  }
  if (!report.ok()) {
    report.loaded.clear();
    return report;
  }
  torch::NoGradGuard noGrad;
  for (auto& [dst, src] : copies) dst.copy_(src);
  return report;
}

std::string LoadReport::describeProblems() const {
  std::ostringstream out;
  for (const auto& key : missing) out << "missing key: " << key << '\n';
  for (const auto& key : unexpected) out << "unexpected key: " << key << '\n';
  for (const auto& m : mismatched) {
    out << "shape mismatch: " << m.key << " is " << c10::IntArrayRef(m.expected) << " in the module, "
        << c10::IntArrayRef(m.found) << " in the file\n";
  }
  std::string text = out.str();
  if (!text.empty()) text.pop_back();
  return text;
}

}  // namespace gazecoder
