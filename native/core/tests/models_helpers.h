#pragma once
// Shared by the model tests: the fixtures of test/python/fixtures_models.py (folder from
// GAZECODER_FIXTURES, set by ctest), structure.json, comparisons and the Models test fixture.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "gazecoder/checkpoint/state_dict.h"
#include "gazecoder/models/model_factory.h"
#include "gazecoder/models/regnet.h"
#include "gazecoder/models/resnet.h"

namespace gazecoder::models_testing {

namespace fs = std::filesystem;

// Just enough JSON for structure.json: objects, arrays, strings without escapes, numbers, null.
struct Json {
  double number = 0;
  std::string string;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> fields;

  const Json* find(const std::string& key) const {
    for (const auto& [name, value] : fields) {
      if (name == key) return &value;
    }
    return nullptr;
  }
  const Json& operator[](const std::string& key) const {
    const Json* value = find(key);
    if (value == nullptr) throw std::runtime_error("structure.json: no field '" + key + "'");
    return *value;
  }
  std::vector<int64_t> ints() const {
    std::vector<int64_t> out;
    for (const auto& item : items) out.push_back(static_cast<int64_t>(item.number));
    return out;
  }
};

class JsonParser {
 public:
  explicit JsonParser(std::string text) : text_(std::move(text)) {}

  Json parse() {
    skipSpace();
    Json value;
    const char c = peek();
    if (c == '{') {
      ++pos_;
      while (skipSpace(), peek() != '}') {
        std::string key = parse().string;
        expect(':');
        value.fields.emplace_back(std::move(key), parse());
        if (skipSpace(), peek() == ',') ++pos_;
      }
      ++pos_;
    } else if (c == '[') {
      ++pos_;
      while (skipSpace(), peek() != ']') {
        value.items.push_back(parse());
        if (skipSpace(), peek() == ',') ++pos_;
      }
      ++pos_;
    } else if (c == '"') {
      const size_t end = text_.find('"', pos_ + 1);
      value.string = text_.substr(pos_ + 1, end - pos_ - 1);
      pos_ = end + 1;
    } else if (text_.compare(pos_, 4, "null") == 0) {
      pos_ += 4;
    } else {
      size_t used = 0;
      value.number = std::stod(text_.substr(pos_, 32), &used);
      pos_ += used;
    }
    return value;
  }

 private:
  std::string text_;
  size_t pos_ = 0;

  char peek() const {
    if (pos_ >= text_.size()) throw std::runtime_error("structure.json: unexpected end");
    return text_[pos_];
  }
  void skipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  void expect(char c) {
    skipSpace();
    if (peek() != c) throw std::runtime_error(std::string("structure.json: expected '") + c + "'");
    ++pos_;
  }
};

// Fixture folder, or empty when the tests run outside ctest.
inline fs::path fixtureDir() {
  const char* dir = std::getenv("GAZECODER_FIXTURES");
  return dir == nullptr ? fs::path() : fs::path(dir) / "models";
}

#define REQUIRE_FIXTURES()                                                                 \
  if (fixtureDir().empty()) GTEST_SKIP() << "GAZECODER_FIXTURES is not set (run via ctest)"

inline const Json& structure() {
  static const Json json = [] {
    std::ifstream in(fixtureDir() / "structure.json");
    if (!in) throw std::runtime_error("cannot read " + (fixtureDir() / "structure.json").string());
    std::stringstream text;
    text << in.rdbuf();
    return JsonParser(text.str()).parse();
  }();
  return json;
}

inline StateDict fixture(const std::string& name) { return loadStateDictFile((fixtureDir() / name).string()); }

inline const torch::Tensor& entry(const StateDict& state, const std::string& key) {
  const torch::Tensor* value = state.find(key);
  if (value == nullptr) throw std::runtime_error("fixture has no entry '" + key + "'");
  return *value;
}

inline void loadInto(torch::nn::Module& module, const StateDict& state) {
  const auto report = loadStateDict(module, state);
  ASSERT_TRUE(report.ok()) << report.describeProblems();
}

inline double maxRelativeError(const torch::Tensor& actual, const torch::Tensor& expected) {
  const auto e = expected.to(torch::kDouble);
  return ((actual.to(torch::kDouble) - e).abs().max() / e.abs().max()).item<double>();
}

inline std::string pythonDtype(c10::ScalarType type) {
  switch (type) {
    case torch::kFloat: return "float32";
    case torch::kDouble: return "float64";
    case torch::kLong: return "int64";
    default: return c10::toString(type);
  }
}

inline int64_t parameterCount(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

// Keys, shapes, dtypes in order, and the parameter count, against structure.json[name].
inline void expectStructure(const torch::nn::Module& module, const std::string& name) {
  const Json& expected = structure()[name];
  const auto state = stateDictOf(module);
  const auto& entries = expected["state_dict"].items;
  ASSERT_EQ(state.size(), entries.size()) << name;
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& item = state[i];
    ASSERT_EQ(item.key(), entries[i].items[0].string) << name << " entry " << i;
    EXPECT_EQ(item.value().sizes().vec(), entries[i].items[1].ints()) << name << " " << item.key();
    EXPECT_EQ(pythonDtype(item.value().scalar_type()), entries[i].items[2].string) << name << " " << item.key();
  }
  EXPECT_EQ(parameterCount(module), static_cast<int64_t>(expected["num_params"].number)) << name;
}

inline RegNetParams customParams(const std::string& name) {
  const Json& p = structure()[name]["params"];
  const auto optional = [&](const char* key, double fallback) {
    const Json* value = p.find(key);
    return value == nullptr ? fallback : value->number;
  };
  return {static_cast<int64_t>(p["depth"].number), static_cast<int64_t>(p["w_0"].number), p["w_a"].number,
          p["w_m"].number,  static_cast<int64_t>(p["group_width"].number), optional("bottleneck_multiplier", 1.0),
          optional("se_ratio", 0.0)};
}

// As reference_models.randomize_batch_norm (different numbers, the same ranges).
inline void randomizeBatchNorm(torch::nn::Module& model) {
  torch::NoGradGuard noGrad;
  for (const auto& module : model.modules(/*include_self=*/false)) {
    auto randomize = [](auto* bn) {
      bn->weight.uniform_(0.5, 1.5);
      bn->bias.normal_(0.0, 0.1);
      bn->running_mean.normal_(0.0, 0.1);
      bn->running_var.uniform_(0.5, 1.5);
      bn->num_batches_tracked.fill_(7);
    };
    if (auto* bn = module->as<torch::nn::BatchNorm2d>()) randomize(bn);
    if (auto* bn = module->as<torch::nn::BatchNorm1d>()) randomize(bn);
  }
}

inline std::string errorOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

class Models : public ::testing::Test {
 protected:
  void SetUp() override { at::set_num_threads(2); }
};

}  // namespace gazecoder::models_testing
