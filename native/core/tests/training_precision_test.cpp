// The speed settings against the plain fp32 path on CPU: bf16 autocast and channels_last give a
// GazeCodingModel's loss and gradients close to fp32; the autocast scope restores the thread's state.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "gazecoder/models/model_factory.h"
#include "gazecoder/models/regnet_spec.h"
#include "gazecoder/train/autocast.h"
#include "training_helpers.h"

namespace gazecoder::train {
namespace {

using namespace testing;

constexpr const char* kTinyArch = "regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25";

struct Pass {
  torch::Tensor logits, loss;
  std::vector<torch::Tensor> grads;
};

// Forward, cross-entropy and backward of a fresh tiny gaze model (same seed, so same weights) in train mode.
Pass run(std::optional<c10::ScalarType> autocast, bool channelsLast) {
  torch::manual_seed(0);
  auto model = makeGazeModelForArch(kTinyArch);
  if (channelsLast) convertModel(*model, torch::kFloat32, true);
  model->eval();  // deterministic (no dropout); BatchNorm on running stats
  torch::manual_seed(1);
  auto images = torch::randn({4, 5, 3, 32, 32});
  const auto boxes = torch::rand({4, 5, 5});
  const auto labels = torch::tensor({0, 1, 2, 1}, torch::kLong);
  Pass pass;
  {
    AutocastScope scope(c10::kCPU, autocast);
    auto crops = images.flatten(0, 1);
    if (channelsLast) crops = crops.contiguous(at::MemoryFormat::ChannelsLast);
    pass.logits = model->predictFromEmbeddings(model->encodeImages(crops).view({4, 5, 256}), boxes);
    pass.loss = torch::nn::functional::cross_entropy(pass.logits.to(torch::kFloat32), labels);
  }
  pass.loss.backward();
  for (const auto& p : model->parameters()) pass.grads.push_back(p.grad().to(torch::kFloat32));
  return pass;
}

double relativeError(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max() / b.to(torch::kFloat64).abs().max()).item<double>();
}

double cosine(const torch::Tensor& a, const torch::Tensor& b) {
  return torch::nn::functional::cosine_similarity(a.flatten().to(torch::kFloat64).unsqueeze(0),
                                                  b.flatten().to(torch::kFloat64).unsqueeze(0))
      .item<double>();
}

TEST(Precision, Bf16AutocastOnCpuIsCloseToFp32) {
  const Pass fp32 = run(std::nullopt, false);
  const Pass bf16 = run(torch::kBFloat16, false);
  EXPECT_EQ(bf16.logits.scalar_type(), torch::kBFloat16);  // autocast really ran the linear layers in bf16
  EXPECT_LT(relativeError(bf16.logits, fp32.logits), 5e-2);
  EXPECT_NEAR(bf16.loss.item<double>(), fp32.loss.item<double>(), 2e-2 * fp32.loss.item<double>());
  for (size_t i = 0; i < fp32.grads.size(); ++i) {
    if (fp32.grads[i].abs().max().item<double>() == 0) continue;
    EXPECT_GT(cosine(bf16.grads[i], fp32.grads[i]), 0.97) << "parameter " << i;
  }
}

TEST(Precision, ChannelsLastIsCloseToContiguous) {
  const Pass plain = run(std::nullopt, false);
  const Pass nhwc = run(std::nullopt, true);
  EXPECT_LT(relativeError(nhwc.logits, plain.logits), 1e-5);
  for (size_t i = 0; i < plain.grads.size(); ++i) {
    if (plain.grads[i].abs().max().item<double>() == 0) continue;
    EXPECT_LT(relativeError(nhwc.grads[i], plain.grads[i]), 1e-3) << "parameter " << i;
  }
}

TEST(Precision, AutocastScopeRestoresTheThreadsState) {
  const auto x = torch::randn({2, 8});
  const auto w = torch::randn({3, 8});
  {
    AutocastScope scope(c10::kCPU, torch::kBFloat16);
    EXPECT_EQ(torch::nn::functional::linear(x, w).scalar_type(), torch::kBFloat16);
    {
      AutocastScope nested(c10::kCPU, std::nullopt);  // a no-op scope changes nothing
      EXPECT_EQ(torch::nn::functional::linear(x, w).scalar_type(), torch::kBFloat16);
    }
  }
  EXPECT_EQ(torch::nn::functional::linear(x, w).scalar_type(), torch::kFloat32);
}

}  // namespace
}  // namespace gazecoder::train
