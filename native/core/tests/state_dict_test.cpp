// State dicts: reading Python's module files into modules, with every problem reported, and files
// that Python loads strictly (fixtures: test/python/fixtures_checkpoint.py).
#include "checkpoint_helpers.h"

namespace {

using namespace checkpoint_testing;
using checkpoint_testing::at;  // not ATen's namespace at

// ---- state dicts ----

TEST(StateDict, KeysInPythonOrder) {
  const auto expected = readExpected("model.expected.txt");
  std::vector<std::string> keys;
  for (const auto& e : expected) keys.push_back(e.key);
  EXPECT_EQ(gazecoder::stateDictOf(*smallModel()).keys(), keys);

  // Own parameters, then own buffers, then children, whatever the registration order.
  struct Mixed : torch::nn::Module {
    Mixed() {
      register_module("child", torch::nn::Linear(torch::nn::LinearOptions(1, 1).bias(false)));
      register_buffer("buffer", torch::zeros(1));
      register_parameter("weight", torch::zeros(1));
    }
  } mixed;
  EXPECT_EQ(gazecoder::stateDictOf(mixed).keys(), (std::vector<std::string>{"weight", "buffer", "child.weight"}));
}

TEST(StateDict, LoadsPythonModelThatComputesTheSame) {
  auto model = smallModel();
  const LoadReport report = gazecoder::loadStateDict(*model, gazecoder::loadStateDictFile(fixture("model.pth")));
  EXPECT_TRUE(report.ok()) << report.describeProblems();
  EXPECT_EQ(report.loaded.size(), 9u);
  EXPECT_EQ(report.describeProblems(), "");
  for (const auto& e : readExpected("model.expected.txt")) expectMatches(gazecoder::stateDictOf(*model)[e.key], e);

  model->eval();
  const c10::IValue io = gazecoder::loadPickled(fixture("model_io.pth"));
  torch::NoGradGuard noGrad;
  const auto output = model->forward(at(io, "input").toTensor());
  EXPECT_TRUE(torch::allclose(output, at(io, "output").toTensor(), 1e-5, 1e-6));
}

TEST(StateDict, ReadsTrainingCheckpointAndDataParallelPrefix) {
  const auto plain = gazecoder::loadStateDictFile(fixture("model.pth"));
  const auto training = gazecoder::loadStateDictFile(fixture("training.pth"));
  EXPECT_EQ(training.keys(), plain.keys());

  auto model = smallModel();
  const auto ddp = gazecoder::loadStateDictFile(fixture("model_ddp.pth"));
  EXPECT_EQ(ddp.keys().front(), "module.0.weight");
  EXPECT_TRUE(gazecoder::loadStateDict(*model, ddp).ok());
  for (const auto& item : plain) EXPECT_TRUE(torch::equal(gazecoder::stateDictOf(*model)[item.key()], item.value()));

  LoadOptions keepPrefix;
  keepPrefix.stripDataParallelPrefix = false;
  const LoadReport report = gazecoder::loadStateDict(*model, ddp, keepPrefix);
  EXPECT_EQ(report.unexpected.size(), 9u);
  EXPECT_EQ(report.missing.size(), 9u);
  EXPECT_EQ(report.unexpected.front(), "module.0.weight");
}

TEST(StateDict, ReportsEveryProblemAndLeavesModuleUnchanged) {
  auto model = smallModel();
  const auto before = snapshot(*model);
  StateDict state;
  for (const auto& item : gazecoder::loadStateDictFile(fixture("model.pth"))) {
    if (item.key() == "3.bias") continue;
    state.insert(item.key(), item.key() == "0.weight" ? torch::zeros({5, 5}) : item.value());
  }
  state.insert("extra.weight", torch::zeros(1));

  const LoadReport report = gazecoder::loadStateDict(*model, state);
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(report.loaded.empty());
  EXPECT_EQ(report.missing, (std::vector<std::string>{"3.bias"}));
  EXPECT_EQ(report.unexpected, (std::vector<std::string>{"extra.weight"}));
  ASSERT_EQ(report.mismatched.size(), 1u);
  EXPECT_EQ(report.mismatched[0].key, "0.weight");
  EXPECT_EQ(report.mismatched[0].expected, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(report.mismatched[0].found, (std::vector<int64_t>{5, 5}));
  EXPECT_EQ(report.describeProblems(),
            "missing key: 3.bias\n"
            "unexpected key: extra.weight\n"
            "shape mismatch: 0.weight is [3, 4] in the module, [5, 5] in the file");
  expectUnchanged(*model, before);
}

TEST(StateDict, SkipsAllowsMissingAndAddsTargetPrefix) {
  struct Net : torch::nn::Module {
    torch::nn::Sequential encoder = register_module("encoder", smallModel());
    torch::nn::Linear head = register_module("head", torch::nn::Linear(2, 1));
  } net;
  const auto headBefore = net.head->weight.detach().clone();
  const auto file = gazecoder::loadStateDictFile(fixture("model.pth"));

  LoadOptions options;
  options.targetPrefix = "encoder.";
  options.skipPrefixes = {"encoder.3."};
  options.allowMissingPrefixes = {"encoder.3.", "head."};
  const LoadReport report = gazecoder::loadStateDict(net, file, options);
  EXPECT_TRUE(report.ok()) << report.describeProblems();
  EXPECT_EQ(report.skipped, (std::vector<std::string>{"encoder.3.weight", "encoder.3.bias"}));
  EXPECT_EQ(report.loaded.size(), 7u);
  EXPECT_TRUE(torch::equal(net.encoder[0]->as<torch::nn::Linear>()->weight, file["0.weight"]));
  EXPECT_FALSE(torch::equal(net.encoder[3]->as<torch::nn::Linear>()->weight, file["3.weight"]));
  EXPECT_TRUE(torch::equal(net.head->weight, headBefore));

  options.allowMissingPrefixes = {};
  EXPECT_EQ(gazecoder::loadStateDict(net, file, options).missing,
            (std::vector<std::string>{"encoder.3.weight", "encoder.3.bias", "head.weight", "head.bias"}));
}

TEST(StateDict, KeepsModuleDtype) {
  auto model = smallModel();
  model->to(torch::kDouble);
  const auto file = gazecoder::loadStateDictFile(fixture("model.pth"));
  ASSERT_TRUE(gazecoder::loadStateDict(*model, file).ok());
  const auto weight = gazecoder::stateDictOf(*model)["0.weight"];
  EXPECT_EQ(weight.scalar_type(), torch::kDouble);
  EXPECT_TRUE(torch::equal(weight, file["0.weight"].to(torch::kDouble)));
  EXPECT_TRUE(weight.requires_grad());
}

TEST(StateDict, SavedFileLoadsStrictlyInPython) {
  TempDir dir;
  auto model = smallModel();
  fillModel(*model);
  const std::string path = dir.file("state.pth");
  gazecoder::saveStateDictFile(path, gazecoder::stateDictOf(*model));
  EXPECT_EQ(runPython("state_dict", path), 0);

  auto copy = smallModel();
  const auto state = gazecoder::loadStateDictFile(path);
  EXPECT_FALSE(state[0].value().requires_grad());
  ASSERT_TRUE(gazecoder::loadStateDict(*copy, state).ok());
  const auto want = gazecoder::stateDictOf(*model);
  for (const auto& item : gazecoder::stateDictOf(*copy)) EXPECT_TRUE(torch::equal(item.value(), want[item.key()]));
}

TEST(StateDict, FileEntriesMustBeTensors) {
  TempDir dir;
  const std::string path = dir.file("mixed.pth");
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("weight", torch::zeros(2));
  dict.insert("step", 3);
  gazecoder::savePickled(path, dict);
  try {
    gazecoder::loadStateDictFile(path);
    ADD_FAILURE() << "loaded a state dict holding an int";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": state dict entry 'step' is a Int, not a tensor"), std::string::npos)
        << e.what();
  }
}

}  // namespace
