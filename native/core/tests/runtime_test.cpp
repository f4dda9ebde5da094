#include <gtest/gtest.h>

#include "gazecoder/device.h"
#include "gazecoder/runtime.h"
#include "gazecoder/self_test.h"

namespace gazecoder {

TEST(Runtime, ReportsLibTorchAndThreads) {
  EXPECT_EQ(configureThreads(2), 2);
  const RuntimeInfo info = runtimeInfo();
  EXPECT_FALSE(info.gazecoderVersion.empty());
  EXPECT_FALSE(info.torchVersion.empty());
  EXPECT_EQ(info.intraOpThreads, 2);
  EXPECT_FALSE(info.parallelBackend.empty());
  EXPECT_FALSE(info.cpuCapability.empty());
  if (!info.cudaAvailable) EXPECT_TRUE(info.gpus.empty());
}

TEST(Runtime, ResolvesDevices) {
  EXPECT_TRUE(resolveDevice("cpu").is_cpu());
  EXPECT_THROW(resolveDevice("tpu:3"), std::invalid_argument);
  if (!torch::cuda::is_available()) {
    EXPECT_TRUE(resolveDevice("auto").is_cpu());
    EXPECT_THROW(resolveDevice("cuda"), std::invalid_argument);
  }
}

TEST(SelfTest, LossFallsAndIsReproducible) {
  SelfTestOptions options;
  options.device = "cpu";
  options.steps = 40;
  const auto first = runSelfTest(options);
  ASSERT_EQ(first.losses.size(), 40u);
  EXPECT_TRUE(first.lossFell());
  EXPECT_EQ(runSelfTest(options).losses, first.losses);
}

TEST(SelfTest, RejectsBadOptions) {
  SelfTestOptions options;
  options.steps = 0;
  EXPECT_THROW(runSelfTest(options), std::invalid_argument);
}

}  // namespace gazecoder
