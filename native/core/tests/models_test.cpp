// The models against torchvision / the Python GazeCodingModel reference (test/python/fixtures_models.py
// writes the fixtures; ctest passes their folder in GAZECODER_FIXTURES).
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

namespace gazecoder {
namespace {

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
fs::path fixtureDir() {
  const char* dir = std::getenv("GAZECODER_FIXTURES");
  return dir == nullptr ? fs::path() : fs::path(dir) / "models";
}

#define REQUIRE_FIXTURES()                                                                 \
  if (fixtureDir().empty()) GTEST_SKIP() << "GAZECODER_FIXTURES is not set (run via ctest)"

const Json& structure() {
  static const Json json = [] {
    std::ifstream in(fixtureDir() / "structure.json");
    if (!in) throw std::runtime_error("cannot read " + (fixtureDir() / "structure.json").string());
    std::stringstream text;
    text << in.rdbuf();
    return JsonParser(text.str()).parse();
  }();
  return json;
}

StateDict fixture(const std::string& name) { return loadStateDictFile((fixtureDir() / name).string()); }

const torch::Tensor& entry(const StateDict& state, const std::string& key) {
  const torch::Tensor* value = state.find(key);
  if (value == nullptr) throw std::runtime_error("fixture has no entry '" + key + "'");
  return *value;
}

void loadInto(torch::nn::Module& module, const StateDict& state) {
  const auto report = loadStateDict(module, state);
  ASSERT_TRUE(report.ok()) << report.describeProblems();
}

double maxRelativeError(const torch::Tensor& actual, const torch::Tensor& expected) {
  const auto e = expected.to(torch::kDouble);
  return ((actual.to(torch::kDouble) - e).abs().max() / e.abs().max()).item<double>();
}

std::string pythonDtype(c10::ScalarType type) {
  switch (type) {
    case torch::kFloat: return "float32";
    case torch::kDouble: return "float64";
    case torch::kLong: return "int64";
    default: return c10::toString(type);
  }
}

int64_t parameterCount(const torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

// Keys, shapes, dtypes in order, and the parameter count, against structure.json[name].
void expectStructure(const torch::nn::Module& module, const std::string& name) {
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

RegNetParams customParams(const std::string& name) {
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
void randomizeBatchNorm(torch::nn::Module& model) {
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

std::string errorOf(const std::function<void()>& call) {
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

// ---------------------------------------------------------------------------------------------
// Structure

TEST_F(Models, ListsEveryTorchvisionRegNetAndResNet) {
  const auto names = listArchitectures();
  EXPECT_EQ(names.size(), 17u);
  for (const char* name : {"regnet_y_400mf", "regnet_y_16gf", "regnet_y_128gf", "regnet_x_32gf", "resnet18"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

TEST_F(Models, UnknownArchitectureListsTheKnownOnes) {
  const auto message = errorOf([] { makeBackbone("regnet_z_1gf"); });
  EXPECT_NE(message.find("unknown architecture 'regnet_z_1gf'"), std::string::npos) << message;
  EXPECT_NE(message.find("regnet_y_16gf, regnet_y_32gf"), std::string::npos) << message;
  EXPECT_NE(message.find("resnet18"), std::string::npos) << message;
}

TEST_F(Models, RegNetY16GFStagesAsInTheReference) {
  const auto& configs = regnetConfigs();
  const auto config =
      std::find_if(configs.begin(), configs.end(), [](const auto& c) { return c.first == "regnet_y_16gf"; });
  ASSERT_NE(config, configs.end());
  const auto params = RegNetBlockParams::fromInitParams(config->second);
  ASSERT_EQ(params.stages.size(), 4u);
  const std::vector<int64_t> depths = {2, 4, 11, 1}, widths = {224, 448, 1232, 3024};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(params.stages[i].depth, depths[i]);
    EXPECT_EQ(params.stages[i].width, widths[i]);
    EXPECT_EQ(params.stages[i].groupWidth, 112);
    EXPECT_EQ(params.stages[i].stride, 2);
  }
  EXPECT_EQ(params.seRatio, 0.25);
}

TEST_F(Models, InvalidRegNetParamsAreRejected) {
  RegNetParams params{5, 12, 8.0, 2.0, 8};  // w_0 not a multiple of 8
  EXPECT_NE(errorOf([&] { RegNetBlockParams::fromInitParams(params); }).find("Invalid RegNet settings"),
            std::string::npos);
}

TEST_F(Models, BlockParamsMatchTorchvision) {
  REQUIRE_FIXTURES();
  std::vector<std::pair<std::string, RegNetParams>> configs = regnetConfigs();
  for (const char* name : {"tiny", "tiny_x_bottleneck", "tiny_odd_se"}) configs.emplace_back(name, customParams(name));
  for (const auto& [name, params] : configs) {
    const auto ours = RegNetBlockParams::fromInitParams(params);
    const Json& expected = structure()[name]["block_params"];
    std::vector<int64_t> depths, widths, groupWidths, strides;
    std::vector<double> multipliers;
    for (const auto& stage : ours.stages) {
      depths.push_back(stage.depth);
      widths.push_back(stage.width);
      groupWidths.push_back(stage.groupWidth);
      strides.push_back(stage.stride);
      multipliers.push_back(stage.bottleneckMultiplier);
    }
    EXPECT_EQ(depths, expected["depths"].ints()) << name;
    EXPECT_EQ(widths, expected["widths"].ints()) << name;
    EXPECT_EQ(groupWidths, expected["group_widths"].ints()) << name;
    EXPECT_EQ(strides, expected["strides"].ints()) << name;
    for (size_t i = 0; i < multipliers.size(); ++i) {
      EXPECT_EQ(multipliers[i], expected["bottleneck_multipliers"].items.at(i).number) << name;
    }
    EXPECT_EQ(ours.seRatio, expected["se_ratio"].number) << name;
  }
}

class BackboneStructure : public Models, public ::testing::WithParamInterface<std::string> {};

TEST_P(BackboneStructure, StateDictMatchesTorchvision) {
  REQUIRE_FIXTURES();
  const auto model = makeBackbone(GetParam());
  expectStructure(*model, GetParam());
  EXPECT_EQ(model->numClasses(), 1000);
}

INSTANTIATE_TEST_SUITE_P(Models, BackboneStructure, ::testing::ValuesIn(listArchitectures()),
                         [](const auto& info) { return info.param; });

TEST_F(Models, CustomRegNetStateDictsMatchTorchvision) {
  REQUIRE_FIXTURES();
  for (const char* name : {"tiny", "tiny_x_bottleneck", "tiny_odd_se"}) {
    expectStructure(RegNet(customParams(name)), name);
  }
}

TEST_F(Models, RegNetY16GFHas83590140Parameters) {
  EXPECT_EQ(parameterCount(*makeBackbone("regnet_y_16gf")), 83590140);
}

TEST_F(Models, GazeCodingModelStateDictMatchesTheReference) {
  REQUIRE_FIXTURES();
  for (const char* arch : {"regnet_y_16gf", "resnet18"}) {
    const auto model = makeGazeModel(arch);
    expectStructure(*model, std::string("gaze:") + arch);
    if (std::string(arch) == "regnet_y_16gf") {
      EXPECT_EQ(parameterCount(*model), 82984855);
      EXPECT_EQ(stateDictOf(*model).size(), 453u);
    }
  }
}

TEST_F(Models, InitialisationDrawsTorchvisionsNumbersForTheSameSeed) {
  REQUIRE_FIXTURES();
  for (const std::string name : {"regnet_y_400mf", "regnet_x_400mf", "resnet18", "gaze_regnet_y_400mf"}) {
    torch::manual_seed(0);
    std::shared_ptr<torch::nn::Module> model;
    if (name == "gaze_regnet_y_400mf") {
      model = makeGazeModel("regnet_y_400mf");
    } else {
      model = makeBackbone(name);
    }
    const auto expected = fixture("init_" + name + ".pth");
    const auto ours = stateDictOf(*model);
    ASSERT_EQ(ours.size(), expected.size()) << name;
    for (const auto& item : ours) {
      const auto& reference = entry(expected, item.key());
      EXPECT_TRUE(item.value().equal(reference)) << name << " " << item.key();
    }
  }
}

TEST_F(Models, ReplaceHeadKeepsKeyOrderDtypeAndInit) {
  auto model = makeBackbone("resnet18");
  convertModel(*model, torch::kDouble, false);
  model->replaceHead(7);
  EXPECT_EQ(model->numClasses(), 7);
  const auto state = stateDictOf(*model);
  EXPECT_EQ(state[state.size() - 2].key(), "fc.weight");
  EXPECT_EQ(state[state.size() - 1].key(), "fc.bias");
  EXPECT_EQ(model->head()->weight.sizes(), (std::vector<int64_t>{7, 512}));
  EXPECT_EQ(model->head()->weight.scalar_type(), torch::kDouble);
  EXPECT_EQ(model->forward(torch::randn({2, 3, 64, 64}, torch::kDouble)).sizes(), (std::vector<int64_t>{2, 7}));

  auto regnet = RegNet(RegNetParams{5, 16, 12.0, 2.0, 8, 1.0, 0.25});
  regnet.replaceHead(3);
  EXPECT_EQ(regnet.head()->bias.abs().max().item<float>(), 0.0f);  // torchvision's RegNet init: bias 0
  EXPECT_LT(regnet.head()->weight.std().item<float>(), 0.02f);     // and N(0, 0.01) weights
}

TEST_F(Models, MakeModelBuildsTheRequestedKind) {
  ModelSpec spec;
  spec.arch = "resnet18";
  spec.kind = ModelSpec::Kind::Backbone;
  spec.numClasses = 10;
  const auto backbone = std::dynamic_pointer_cast<ImageBackbone>(makeModel(spec));
  ASSERT_TRUE(backbone);
  EXPECT_EQ(backbone->numClasses(), 10);
  spec.kind = ModelSpec::Kind::Gaze;
  spec.window = 3;
  const auto gaze = std::dynamic_pointer_cast<GazeCodingModel>(makeModel(spec));
  ASSERT_TRUE(gaze);
  EXPECT_EQ(gaze->window(), 3);
  EXPECT_EQ(gaze->encoderImg().numClasses(), 256);
}

// ---------------------------------------------------------------------------------------------
// Numerical parity with torchvision

class ForwardParity : public Models, public ::testing::WithParamInterface<std::string> {};

TEST_P(ForwardParity, EvalAndTrainModeMatchTorchvision) {
  REQUIRE_FIXTURES();
  const auto& arch = GetParam();
  const auto weights = fixture("forward_" + arch + "_weights.pth");
  const auto io = fixture("forward_" + arch + "_io.pth");
  const auto model = makeBackbone(arch);
  for (const std::string input : {"x100", "x224"}) {
    loadInto(*model, weights);
    model->eval();
    torch::NoGradGuard noGrad;
    const double evalError = maxRelativeError(model->forward(entry(io, input)), entry(io, "eval_" + input));
    EXPECT_LT(evalError, 1e-5) << arch << " eval " << input;

    model->train();
    const double trainError = maxRelativeError(model->forward(entry(io, input)), entry(io, "train_" + input));
    EXPECT_LT(trainError, 1e-5) << arch << " train " << input;
    double statsError = 0;
    for (const auto& item : stateDictOf(*model)) {
      const auto* expected = io.find("after_" + input + "." + item.key());
      if (expected == nullptr) continue;
      if (expected->scalar_type() == torch::kLong) {
        EXPECT_TRUE(item.value().equal(*expected)) << item.key();
      } else {
        statsError = std::max(statsError, maxRelativeError(item.value(), *expected));
      }
    }
    EXPECT_LT(statsError, 1e-5) << arch << " running statistics after " << input;
    std::cout << arch << " " << input << ": max relative error eval " << evalError << ", train " << trainError
              << ", running stats " << statsError << "\n";
  }
}

INSTANTIATE_TEST_SUITE_P(Models, ForwardParity, ::testing::Values("regnet_y_16gf", "regnet_y_400mf"),
                         [](const auto& info) { return info.param; });

TEST_F(Models, GradientsMatchTorchvision) {
  REQUIRE_FIXTURES();
  RegNet model(customParams("tiny"), 10);
  loadInto(model, fixture("grad_tiny_weights.pth"));
  const auto io = fixture("grad_tiny_io.pth");
  model.train();
  const auto out = model.forward(entry(io, "x"));
  EXPECT_LT(maxRelativeError(out, entry(io, "out")), 1e-5);
  (out * entry(io, "loss_weights")).sum().backward();
  double worst = -1;
  std::string worstKey;
  for (const auto& item : model.named_parameters()) {
    const double error = maxRelativeError(item.value().grad(), entry(io, "grad." + item.key()));
    EXPECT_LT(error, 1e-4) << item.key();
    if (error > worst) std::tie(worst, worstKey) = std::make_pair(error, item.key());
  }
  std::cout << "max relative gradient error " << worst << " (" << worstKey << ")\n";
}

// ---------------------------------------------------------------------------------------------
// GazeCodingModel

TEST_F(Models, GazeCodingModelMatchesThePythonReference) {
  REQUIRE_FIXTURES();
  const auto model = makeGazeModel("regnet_y_400mf");
  loadInto(*model, fixture("gaze_regnet_y_400mf_weights.pth"));
  const auto io = fixture("gaze_regnet_y_400mf_io.pth");
  model->eval();
  torch::NoGradGuard noGrad;
  const auto& images = entry(io, "images");
  const auto& boxes = entry(io, "boxes");
  const auto logits = model->forward(images, boxes);
  const double error = maxRelativeError(logits, entry(io, "logits"));
  EXPECT_LT(error, 1e-5);
  std::cout << "GazeCodingModel(regnet_y_400mf) max relative error " << error << "\n";

  // Frames encoded one at a time and reassembled give the same logits.
  std::vector<torch::Tensor> frames;
  for (int64_t f = 0; f < images.size(1); ++f) frames.push_back(model->encodeImages(images.select(1, f)));
  const auto embeddings = torch::stack(frames, 1);
  EXPECT_LT(maxRelativeError(model->predictFromEmbeddings(embeddings, boxes), logits), 1e-6);
}

TEST_F(Models, PythonLoadsOurGazeCodingModelStrictly) {
  const fs::path dir = fs::temp_directory_path() / ("gazecoder_models_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  torch::manual_seed(5);
  const auto model = makeGazeModel("resnet18", 5);
  randomizeBatchNorm(*model);
  model->eval();
  const auto images = torch::randn({2, 5, 3, 100, 100});
  const auto boxes = torch::rand({2, 5, 5});
  torch::Tensor logits;
  {
    torch::NoGradGuard noGrad;
    logits = model->forward(images, boxes);
  }
  saveStateDictFile((dir / "state.pth").string(), stateDictOf(*model));
  StateDict io;
  io.insert("images", images);
  io.insert("boxes", boxes);
  io.insert("logits", logits);
  saveStateDictFile((dir / "io.pth").string(), io);

  const fs::path script = fs::path(__FILE__).parent_path() / "../../../test/python/check_gaze_state_dict.py";
  const std::string command = "/usr/bin/python3 '" + script.lexically_normal().string() + "' resnet18 5 '" +
                              (dir / "state.pth").string() + "' '" + (dir / "io.pth").string() + "'";
  const int status = std::system(command.c_str());
  fs::remove_all(dir);
  EXPECT_EQ(status, 0) << command;
}

TEST_F(Models, GazeCodingModelRejectsWrongShapes) {
  const auto model = makeGazeModel("resnet18", 5);
  model->eval();
  const auto boxes = torch::rand({2, 5, 5});
  auto message = errorOf([&] { model->forward(torch::randn({2, 4, 3, 32, 32}), boxes); });
  EXPECT_NE(message.find("expects images B×5×3×H×W, got a tensor of shape [2, 4, 3, 32, 32]"), std::string::npos)
      << message;
  message = errorOf([&] { model->forward(torch::randn({2, 5, 3, 32, 32}), torch::rand({2, 5, 4})); });
  EXPECT_NE(message.find("expects boxes B×5×5, got a tensor of shape [2, 5, 4]"), std::string::npos) << message;
  message = errorOf([&] { model->encodeImages(torch::randn({2, 1, 32, 32})); });
  EXPECT_NE(message.find("expects N×3×H×W images, got a tensor of shape [2, 1, 32, 32]"), std::string::npos)
      << message;
  message = errorOf([&] { model->predict(torch::randn({2, 5, 256}), torch::randn({3, 5, 256})); });
  EXPECT_NE(message.find("2 windows of image embeddings but 3 of boxes"), std::string::npos) << message;
}

// ---------------------------------------------------------------------------------------------
// convertModel

TEST_F(Models, ChannelsLastKeepsOutputs) {
  torch::manual_seed(6);
  for (const auto& model : {makeBackbone("resnet18"), std::shared_ptr<ImageBackbone>(std::make_shared<RegNet>(
                                                          RegNetParams{5, 16, 12.0, 2.0, 8, 1.0, 0.25}))}) {
    randomizeBatchNorm(*model);
    model->eval();
    torch::NoGradGuard noGrad;
    const auto x = torch::randn({2, 3, 64, 64});
    const auto reference = model->forward(x);
    convertModel(*model, torch::kFloat, true);
    for (const auto& p : model->parameters()) {
      if (p.dim() == 4) EXPECT_TRUE(p.is_contiguous(c10::MemoryFormat::ChannelsLast));
    }
    EXPECT_LT(maxRelativeError(model->forward(x), reference), 1e-5);
    EXPECT_LT(maxRelativeError(model->forward(x.contiguous(c10::MemoryFormat::ChannelsLast)), reference), 1e-5);
    convertModel(*model, torch::kFloat, false);
    for (const auto& p : model->parameters()) EXPECT_TRUE(p.is_contiguous());
  }
}

TEST_F(Models, DoubleConversionKeepsOutputsAndIntegerBuffers) {
  torch::manual_seed(7);
  const auto model = makeGazeModel("resnet18", 2);
  randomizeBatchNorm(*model);
  model->eval();
  const auto images = torch::randn({2, 2, 3, 64, 64});
  const auto boxes = torch::rand({2, 2, 5});
  torch::Tensor reference;
  {
    torch::NoGradGuard noGrad;
    reference = model->forward(images, boxes);
  }
  // A gradient travels with its parameter.
  model->forward(images, boxes).sum().backward();
  convertModel(*model, torch::kDouble, false);
  for (const auto& item : stateDictOf(*model)) {
    const bool counter = item.key().size() >= 19 &&
                         item.key().compare(item.key().size() - 19, 19, "num_batches_tracked") == 0;
    EXPECT_EQ(item.value().scalar_type(), counter ? torch::kLong : torch::kDouble) << item.key();
  }
  for (const auto& p : model->parameters()) EXPECT_EQ(p.grad().scalar_type(), torch::kDouble);
  torch::NoGradGuard noGrad;
  const auto converted = model->forward(images.to(torch::kDouble), boxes.to(torch::kDouble));
  EXPECT_EQ(converted.scalar_type(), torch::kDouble);
  EXPECT_LT(maxRelativeError(converted, reference), 1e-5);
  model->train();
  model->forward(images.to(torch::kDouble), boxes.to(torch::kDouble));  // BatchNorm updates double stats
  EXPECT_EQ(stateDictOf(*model).find("encoder_box.bn.num_batches_tracked")->item<int64_t>(), 8);
  EXPECT_NE(errorOf([&] { convertModel(*model, torch::kInt, false); }).find("not a floating-point type"),
            std::string::npos);
}

}  // namespace
}  // namespace gazecoder
