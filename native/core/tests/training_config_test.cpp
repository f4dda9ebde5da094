// Training settings: the defaults, the errors of bad flags, and RegNet specs.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "gazecoder/models/regnet_spec.h"
#include "gazecoder/train/train_config.h"
#include "training_helpers.h"

namespace gazecoder::train {
namespace {

using namespace testing;

TEST(TrainConfig, DefaultsAreICatcherPlusOnCpu) {
  TrainRequest r;
  r.outDir = "/tmp/x";
  r.device = "cpu";
  const auto c = resolveConfig(r);
  EXPECT_EQ(c.arch, "regnet_y_16gf");
  EXPECT_EQ(c.batchSize, 64);
  EXPECT_EQ(c.epochs, 100);
  EXPECT_EQ(c.optimizer.kind, OptimizerOptions::Kind::Adam);
  EXPECT_EQ(c.optimizer.lr, 1e-5);
  EXPECT_EQ(c.optimizer.weightDecay, 1e-5);
  // fp32 as iCatcher+, unless this LibTorch and CPU train faster in bf16.
  EXPECT_EQ(c.amp, cpuFavoursBf16() ? AmpMode::BFloat16 : AmpMode::Off);
  EXPECT_EQ(c.channelsLast, cpuFavoursBf16());
  EXPECT_EQ(c.plateau.patience, 3);
  EXPECT_EQ(c.plateau.factor, 0.1);
  r.optimizer = "sgd";
  EXPECT_EQ(resolveConfig(r).optimizer.lr, 1e-2);
}

TEST(TrainConfig, BadSettingsNameTheirFlag) {
  const auto errorFor = [](const std::function<void(TrainRequest&)>& change) {
    TrainRequest r;
    r.outDir = "/tmp/x";
    r.device = "cpu";
    change(r);
    return errorOf([&] { resolveConfig(r); });
  };
  EXPECT_NE(errorFor([](auto& r) { r.batchSize = 0; }).find("--batch-size must be a positive integer, got 0"), std::string::npos);
  EXPECT_NE(errorFor([](auto& r) { r.optimizer = "rmsprop"; }).find("--optimizer must be adam or sgd, got 'rmsprop'"), std::string::npos);
  EXPECT_NE(errorFor([](auto& r) { r.amp = "fp8"; }).find("--amp must be fp16, bf16 or off, got 'fp8'"), std::string::npos);
  EXPECT_NE(errorFor([](auto& r) { r.amp = "fp16"; }).find("--amp fp16 needs a CUDA device (this run uses cpu)"), std::string::npos);
  EXPECT_NE(errorFor([](auto& r) { r.cudaGraphs = true; }).find("--cuda-graphs needs a CUDA device"), std::string::npos);
  EXPECT_NE(errorFor([](auto& r) { r.arch = "regnet_z"; }).find("--arch: unknown architecture 'regnet_z'; known: regnet_y_400mf"), std::string::npos);
  EXPECT_NE(errorFor([](auto& r) { r.arch = "regnet:depth=3,w0=16"; }).find("--arch: RegNet spec 'regnet:depth=3,w0=16' lacks wa"), std::string::npos);
  EXPECT_NE(errorFor([](auto& r) { r.lr = -1; }).find("--lr must be a positive number, got -1"), std::string::npos);
  EXPECT_NE(errorFor([](auto& r) { r.pretrained = "a.pth"; r.init = "b.pth"; }).find("--pretrained and --init exclude each other"), std::string::npos);
  EXPECT_NE(errorFor([](auto& r) { r.init = "/nonexistent.pth"; }).find("--init /nonexistent.pth: no such file"), std::string::npos);
  EXPECT_NE(errorFor([](auto& r) { r.device = "tpu"; }).find("--device: unknown device 'tpu'"), std::string::npos);
}

TEST(RegNetSpec, BuildsTheNetworkTorchvisionBuildsFromTheSameParameters) {
  const auto params = parseRegNetSpec("regnet:depth=5,w0=16,wa=12,wm=2,group=8,se=0.25");
  ASSERT_TRUE(params.has_value());
  EXPECT_EQ(params->depth, 5);
  EXPECT_EQ(params->w0, 16);
  EXPECT_EQ(params->seRatio, 0.25);
  EXPECT_FALSE(parseRegNetSpec("regnet_y_400mf").has_value());
  EXPECT_NE(errorOf([] { parseRegNetSpec("regnet:depth=5,w0=16,wa=12,wm=2,group=8,colour=3"); }).find("unknown key 'colour'"),
            std::string::npos);
  EXPECT_NE(errorOf([] { parseRegNetSpec("regnet:depth=five,w0=16,wa=12,wm=2,group=8"); }).find("'five' is not a number"),
            std::string::npos);
}

}  // namespace
}  // namespace gazecoder::train
