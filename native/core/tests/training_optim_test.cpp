// The optimizer step against torch.optim.Adam / SGD, ReduceLROnPlateau against torch's scheduler, and
// the fp16 loss scaler's unscale / skip-on-inf / backoff / growth logic (on CPU with fp32 tensors).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "gazecoder/checkpoint/checkpoint.h"
#include "gazecoder/train/grad_scaler.h"
#include "gazecoder/train/lr_scheduler.h"
#include "gazecoder/train/optimizer.h"
#include "training_helpers.h"

namespace gazecoder::train {
namespace {

using namespace testing;

constexpr int kParams = 3;
constexpr int kSteps = 5;

OptimizerOptions fixtureOptions(OptimizerOptions::Kind kind, bool foreach) {
  auto o = defaultOptimizerOptions(kind);
  if (kind == OptimizerOptions::Kind::Adam) {
    o.lr = 1e-3;
    o.weightDecay = 1e-2;  // as fixtures_training.py
  }
  o.foreach = foreach;
  return o;
}

std::vector<torch::Tensor> initialParams(const c10::impl::GenericDict& f) {
  std::vector<torch::Tensor> params;
  for (int i = 0; i < kParams; ++i) params.push_back(tensorAt(f, "param_" + std::to_string(i)).clone().requires_grad_());
  return params;
}

void setGrads(std::vector<torch::Tensor>& params, const c10::impl::GenericDict& f, int step) {
  for (int i = 0; i < kParams; ++i) params[i].mutable_grad() = tensorAt(f, "grad_" + std::to_string(step) + "_" + std::to_string(i)).clone();
}

struct Case {
  OptimizerOptions::Kind kind;
  bool foreach;
  const char* reference;
};

class OptimizerParity : public ::testing::TestWithParam<Case> {};

TEST_P(OptimizerParity, EveryStepMatchesTorchOptim) {
  REQUIRE_TRAINING_FIXTURES();
  const auto f = loadFixture("optimizers.pth");
  const Case c = GetParam();
  auto params = initialParams(f);
  Optimizer optimizer(params, fixtureOptions(c.kind, c.foreach));
  for (int k = 0; k < kSteps; ++k) {
    setGrads(params, f, k);
    optimizer.step();
    for (int i = 0; i < kParams; ++i) {
      const auto want = tensorAt(f, std::string(c.reference) + "_" + std::to_string(k) + "_" + std::to_string(i));
      const double error = ((params[i] - want).abs().max() / want.abs().max()).item<double>();
      EXPECT_LT(error, 1e-6) << c.reference << " step " << k << " param " << i;
    }
  }
  EXPECT_EQ(optimizer.steps(), kSteps);
}

INSTANTIATE_TEST_SUITE_P(
    Training, OptimizerParity,
    ::testing::Values(Case{OptimizerOptions::Kind::Adam, false, "adam"}, Case{OptimizerOptions::Kind::Adam, true, "adam_foreach"},
                      Case{OptimizerOptions::Kind::Adam, true, "adam"}, Case{OptimizerOptions::Kind::Sgd, false, "sgd"},
                      Case{OptimizerOptions::Kind::Sgd, true, "sgd_foreach"}),
    [](const auto& info) { return std::string(info.param.reference) + (info.param.foreach ? "_ours_foreach" : "_ours_single"); });

TEST(Optimizer, DefaultsAreICatcherPlus) {
  const auto adam = defaultOptimizerOptions(OptimizerOptions::Kind::Adam);
  EXPECT_EQ(adam.lr, 1e-5);
  EXPECT_EQ(adam.beta1, 0.9);
  EXPECT_EQ(adam.beta2, 0.999);
  EXPECT_EQ(adam.weightDecay, 1e-5);
  const auto sgd = defaultOptimizerOptions(OptimizerOptions::Kind::Sgd);
  EXPECT_EQ(sgd.lr, 1e-2);
  EXPECT_EQ(sgd.momentum, 0.9);
  EXPECT_EQ(sgd.weightDecay, 1e-4);
}

TEST(Optimizer, StateSavedAndRestoredContinuesExactly) {
  REQUIRE_TRAINING_FIXTURES();
  const auto f = loadFixture("optimizers.pth");
  TempDir dir;
  for (const auto kind : {OptimizerOptions::Kind::Adam, OptimizerOptions::Kind::Sgd}) {
    auto straight = initialParams(f);
    Optimizer a(straight, fixtureOptions(kind, true));
    for (int k = 0; k < kSteps; ++k) {
      setGrads(straight, f, k);
      a.step();
    }
    auto resumed = initialParams(f);
    {
      Optimizer b(resumed, fixtureOptions(kind, true));
      for (int k = 0; k < 2; ++k) {
        setGrads(resumed, f, k);
        b.step();
      }
      savePickled(dir / "opt.pth", b.state());
    }
    Optimizer c(resumed, fixtureOptions(kind, true));
    c.loadState(loadPickled(dir / "opt.pth"));
    for (int k = 2; k < kSteps; ++k) {
      setGrads(resumed, f, k);
      c.step();
    }
    for (int i = 0; i < kParams; ++i) EXPECT_TRUE(torch::equal(straight[i], resumed[i])) << i;
  }
}

TEST(Optimizer, ParametersWithoutGradientsAreLeftAlone) {
  auto p = torch::ones({3}).requires_grad_();
  auto q = torch::ones({3}).requires_grad_();
  Optimizer optimizer({p, q}, defaultOptimizerOptions(OptimizerOptions::Kind::Adam));
  p.mutable_grad() = torch::ones({3});
  optimizer.step();
  EXPECT_TRUE(torch::equal(q, torch::ones({3})));
  EXPECT_LT(p[0].item<float>(), 1.0f);
  optimizer.zeroGrad();
  EXPECT_FALSE(p.grad().defined());
}

TEST(Optimizer, RestoringAnotherOptimizersStateIsAnError) {
  auto p = torch::ones({3}).requires_grad_();
  Optimizer adam({p}, defaultOptimizerOptions(OptimizerOptions::Kind::Adam));
  Optimizer sgd({p}, defaultOptimizerOptions(OptimizerOptions::Kind::Sgd));
  EXPECT_NE(errorOf([&] { sgd.loadState(adam.state()); }).find("the checkpoint's optimizer is adam, this run's sgd"),
            std::string::npos);
}

// ---------------------------------------------------------------------------------------------

TEST(ReduceLrOnPlateau, MatchesTorchOnAFixedSequenceOfLosses) {
  REQUIRE_TRAINING_FIXTURES();
  const auto f = loadFixture("plateau.pth");
  const auto losses = tensorAt(f, "losses");
  const auto lrs = tensorAt(f, "lrs");
  ReduceLrOnPlateau scheduler;
  double lr = 1e-5;
  for (int64_t i = 0; i < losses.numel(); ++i) {
    lr = scheduler.step(losses[i].item<double>(), lr);
    EXPECT_DOUBLE_EQ(lr, lrs[i].item<double>()) << "epoch " << i;
  }
}

TEST(ReduceLrOnPlateau, WaitsPatienceEpochsCountsTinyGainsAsNoneAndResumes) {
  ReduceLrOnPlateau a;
  double lr = 1.0;
  lr = a.step(1.0, lr);
  for (int i = 0; i < 3; ++i) lr = a.step(0.99995, lr);  // better by < 1e-4 relative: not an improvement
  EXPECT_EQ(lr, 1.0);
  EXPECT_EQ(a.badEpochs(), 3);
  ReduceLrOnPlateau b;
  b.loadState(a.state());
  EXPECT_DOUBLE_EQ(b.step(1.0, lr), 0.1);  // the fourth bad epoch
  EXPECT_EQ(b.badEpochs(), 0);
}

// ---------------------------------------------------------------------------------------------

TEST(GradScaler, ScalesTheLossAndUnscalesTheGradients) {
  GradScaler scaler(torch::kCPU, {1024.0, 2.0, 0.5, 2000});
  EXPECT_EQ(scaler.scale(torch::tensor(0.5f)).item<float>(), 512.0f);
  std::vector<torch::Tensor> grads = {torch::full({4}, 2048.0f), torch::full({2, 2}, -1024.0f)};
  EXPECT_FALSE(scaler.unscale(grads));
  EXPECT_TRUE(torch::equal(grads[0], torch::full({4}, 2.0f)));
  EXPECT_TRUE(torch::equal(grads[1], torch::full({2, 2}, -1.0f)));
  std::cout << "[          ] fused ATen kernels on CPU: " << (scaler.usesFusedKernels() ? "yes" : "no") << "\n";
}

TEST(GradScaler, SkipsTheStepOnInfOrNanAndBacksOff) {
  for (const float bad : {std::numeric_limits<float>::infinity(), std::numeric_limits<float>::quiet_NaN()}) {
    GradScaler scaler(torch::kCPU, {1024.0, 2.0, 0.5, 2000});
    auto param = torch::ones({3}).requires_grad_();
    Optimizer optimizer({param}, defaultOptimizerOptions(OptimizerOptions::Kind::Sgd));
    auto loss = (param * torch::tensor({1.0f, bad, 1.0f})).sum();
    scaler.scale(loss).backward();
    const bool foundInf = scaler.unscale({param.grad()});
    EXPECT_TRUE(foundInf);
    if (!foundInf) optimizer.step();
    scaler.update(foundInf);
    EXPECT_TRUE(torch::equal(param, torch::ones({3})));  // untouched
    EXPECT_EQ(scaler.scaleValue(), 512.0);
    EXPECT_EQ(scaler.growthTracker(), 0);
  }
}

TEST(GradScaler, GrowsAfterGrowthIntervalCleanStepsAndResumes) {
  GradScaler scaler(torch::kCPU, {8.0, 2.0, 0.5, 3});
  scaler.update(false);
  scaler.update(false);
  EXPECT_EQ(scaler.scaleValue(), 8.0);
  EXPECT_EQ(scaler.growthTracker(), 2);
  GradScaler resumed(torch::kCPU, {8.0, 2.0, 0.5, 3});
  resumed.loadState(scaler.state());
  resumed.update(false);
  EXPECT_EQ(resumed.scaleValue(), 16.0);
  EXPECT_EQ(resumed.growthTracker(), 0);
  resumed.update(true);
  EXPECT_EQ(resumed.scaleValue(), 8.0);
}

TEST(GradScaler, AScaleThatWouldOverflowStaysPut) {
  GradScaler scaler(torch::kCPU, {3e38, 2.0, 0.5, 1});
  scaler.update(false);
  EXPECT_FLOAT_EQ(static_cast<float>(scaler.scaleValue()), 3e38f);
}

}  // namespace
}  // namespace gazecoder::train
