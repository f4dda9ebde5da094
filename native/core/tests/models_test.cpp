// The models against torchvision (test/python/fixtures_models.py writes the fixtures; ctest passes
// their folder in GAZECODER_FIXTURES): structure, initialisation, numerical parity.
#include "models_helpers.h"

namespace gazecoder {
namespace {

using namespace models_testing;

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

// Built for loading: torchvision's draws are skipped (the layers keep LibTorch's defaults), the state
// dict is the same, and once loaded the model is the one built the usual way.
TEST_F(Models, BuiltForLoadingSkipsTorchvisionsDrawsAndLoadsTheSame) {
  for (const std::string arch : {"regnet_y_400mf", "resnet18"}) {
    torch::manual_seed(0);
    const auto initialised = makeGazeModel(arch, 5);
    torch::manual_seed(0);
    const auto forLoading = makeGazeModel(arch, 5, WeightInit::ForLoading);
    const auto reference = stateDictOf(*initialised);
    auto loaded = stateDictOf(*forLoading);
    ASSERT_EQ(loaded.size(), reference.size()) << arch;
    bool convsDiffer = false;
    for (const auto& item : reference) {
      const auto& mine = loaded[item.key()];
      ASSERT_EQ(mine.sizes(), item.value().sizes()) << arch << " " << item.key();
      if (item.value().dim() == 4 && !mine.equal(item.value())) convsDiffer = true;
    }
    EXPECT_TRUE(convsDiffer) << arch << ": the draws were not skipped";
    {
      torch::NoGradGuard noGrad;
      for (const auto& item : reference) loaded[item.key()].copy_(item.value());
    }
    initialised->eval();
    forLoading->eval();
    torch::manual_seed(1);
    const auto images = torch::randn({2, 5, 3, 100, 100});
    const auto boxes = torch::rand({2, 5, 5});
    EXPECT_TRUE(forLoading->forward(images, boxes).equal(initialised->forward(images, boxes))) << arch;
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

}  // namespace
}  // namespace gazecoder
