#pragma once
// Shared by the checkpoint tests: the fixtures of test/python/fixtures_checkpoint.py (folder from
// GAZECODER_FIXTURES, set by ctest), temp folders, expected values, and Python's check_checkpoint.py.
#include <gazecoder/checkpoint/checkpoint.h>
#include <gazecoder/checkpoint/state_dict.h>

#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace checkpoint_testing {

namespace fs = std::filesystem;
using gazecoder::CheckpointError;
using gazecoder::LoadOptions;
using gazecoder::LoadReport;
using gazecoder::StateDict;

inline const fs::path kRepoRoot = fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path();

inline std::string fixture(const std::string& name) {
  const char* dir = std::getenv("GAZECODER_FIXTURES");
  if (dir == nullptr) throw std::runtime_error("GAZECODER_FIXTURES is not set: run the tests through ctest");
  return (fs::path(dir) / "checkpoint" / name).string();
}

// A fresh folder per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("gazecoder-checkpoint-" + std::to_string(::getpid()) + "-" + test->test_suite_name() + "-" + test->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
    return names;
  }

 private:
  fs::path path_;
};

// Same layout as small_model() in fixtures_checkpoint.py.
inline torch::nn::Sequential smallModel() {
  return torch::nn::Sequential(torch::nn::Linear(4, 3), torch::nn::BatchNorm1d(3), torch::nn::ReLU(),
                               torch::nn::Linear(3, 2));
}

// Entry i becomes arange(numel) * 0.25 - i (num_batches_tracked: 7), as filled_state() in check_checkpoint.py.
inline void fillModel(torch::nn::Module& model) {
  torch::NoGradGuard noGrad;
  int64_t i = 0;
  for (auto& item : gazecoder::stateDictOf(model)) {
    auto& t = item.value();
    if (t.scalar_type() == torch::kLong) {
      t.fill_(7);
    } else {
      t.copy_((torch::arange(t.numel(), t.options()) * 0.25 - i).reshape(t.sizes()));
    }
    ++i;
  }
}

inline std::vector<torch::Tensor> snapshot(const torch::nn::Module& model) {
  std::vector<torch::Tensor> copies;
  for (const auto& item : gazecoder::stateDictOf(model)) copies.push_back(item.value().detach().clone());
  return copies;
}

inline void expectUnchanged(const torch::nn::Module& model, const std::vector<torch::Tensor>& before) {
  const auto now = gazecoder::stateDictOf(model);
  ASSERT_EQ(now.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(now[i].value(), before[i])) << now.keys()[i];
}

// A line of *.expected.txt: key, c10 dtype name, shape ('-' for 0-d), values.
struct Expected {
  std::string key;
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<double> values;
};

inline std::vector<Expected> readExpected(const std::string& name) {
  std::ifstream in(fixture(name));
  std::vector<Expected> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Expected e;
    std::string shape, values;
    std::getline(fields, e.key, '\t');
    std::getline(fields, e.dtype, '\t');
    std::getline(fields, shape, '\t');
    std::getline(fields, values);
    if (shape != "-") {
      std::istringstream dims(shape);
      for (std::string d; std::getline(dims, d, ',');) e.shape.push_back(std::stoll(d));
    }
    std::istringstream numbers(values);
    for (double v; numbers >> v;) e.values.push_back(v);
    out.push_back(std::move(e));
  }
  return out;
}

inline void expectMatches(const torch::Tensor& t, const Expected& e) {
  EXPECT_EQ(std::string(c10::toString(t.scalar_type())), e.dtype) << e.key;
  EXPECT_EQ(t.sizes().vec(), e.shape) << e.key;
  const auto flat = t.to(torch::kDouble).flatten().contiguous();
  ASSERT_EQ(static_cast<size_t>(flat.numel()), e.values.size()) << e.key;
  for (size_t i = 0; i < e.values.size(); ++i) {
    EXPECT_EQ(flat[static_cast<int64_t>(i)].item<double>(), e.values[i]) << e.key << "[" << i << "]";
  }
}

inline std::string loadError(const std::string& path) {
  try {
    gazecoder::loadPickled(path);
  } catch (const CheckpointError& e) {
    return e.what();
  }
  ADD_FAILURE() << path << " loaded without error";
  return "";
}

// The message names the file and contains `problem`.
inline void expectLoadError(const std::string& path, const std::string& problem) {
  const std::string message = loadError(path);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find(problem), std::string::npos) << message;
}

inline int runPython(const std::string& kind, const std::string& file) {
  const std::string command = "/usr/bin/python3 '" + (kRepoRoot / "test/python/check_checkpoint.py").string() +
                              "' " + kind + " '" + file + "'";
  return std::system(command.c_str());
}

// A string literal with embedded NULs.
template <size_t N>
inline std::string bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

inline c10::IValue at(const c10::IValue& dict, const std::string& key) { return dict.toGenericDict().at(key); }

}  // namespace checkpoint_testing
