// ColorJitter against torchvision 0.14's functional ops on the same factors (fixtures from
// test/python/fixtures_training.py), and the sampling of its parameters.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "gazecoder/train/color_jitter.h"
#include "training_helpers.h"

namespace gazecoder::train {
namespace {

using namespace testing;

using Op = void (*)(float*, int64_t, double);

// Runs `apply` on a copy of each fixture image and compares with torchvision's output.
void expectParity(const std::string& name, const std::function<void(int64_t, float*, int64_t)>& apply) {
  const auto fixture = loadFixture("color_jitter.pth");
  const auto images = tensorAt(fixture, "images");
  const auto expected = tensorAt(fixture, name);
  const int64_t pixels = images.size(2) * images.size(3);
  for (int64_t i = 0; i < images.size(0); ++i) {
    auto ours = images[i].clone().contiguous();
    apply(i, ours.data_ptr<float>(), pixels);
    EXPECT_LE((ours - expected[i]).abs().max().item<float>(), 2e-6f) << name << " image " << i;
  }
}

void expectOpParity(const std::string& name, Op op) {
  const auto factors = tensorAt(loadFixture("color_jitter.pth"), name + "_factor");
  expectParity(name, [&](int64_t i, float* chw, int64_t pixels) { op(chw, pixels, factors[i].item<double>()); });
}

TEST(ColorJitter, BrightnessAsTorchvision) {
  REQUIRE_TRAINING_FIXTURES();
  expectOpParity("brightness", adjustBrightness);
}

TEST(ColorJitter, ContrastAsTorchvision) {
  REQUIRE_TRAINING_FIXTURES();
  expectOpParity("contrast", adjustContrast);
}

TEST(ColorJitter, SaturationAsTorchvision) {
  REQUIRE_TRAINING_FIXTURES();
  expectOpParity("saturation", adjustSaturation);
}

TEST(ColorJitter, HueAsTorchvisionIncludingGrayAndPureColours) {
  REQUIRE_TRAINING_FIXTURES();
  expectOpParity("hue", adjustHue);
}

TEST(ColorJitter, WholeDrawsInTheirRandomOrderAsTorchvision) {
  REQUIRE_TRAINING_FIXTURES();
  const auto fixture = loadFixture("color_jitter.pth");
  const auto order = tensorAt(fixture, "jitter_order");
  const auto factors = tensorAt(fixture, "jitter_factors");
  expectParity("jitter", [&](int64_t i, float* chw, int64_t pixels) {
    ColorJitterParams p;
    for (int k = 0; k < 4; ++k) p.order[k] = static_cast<int>(order[i][k].item<int64_t>());
    p.brightness = factors[i][0].item<double>();
    p.contrast = factors[i][1].item<double>();
    p.saturation = factors[i][2].item<double>();
    p.hue = factors[i][3].item<double>();
    p.useBrightness = p.useContrast = p.useSaturation = p.useHue = true;
    applyColorJitter(chw, pixels, p);
  });
}

TEST(ColorJitter, DrawsEveryOrderAndFactorsInTorchvisionsRanges) {
  Rng rng(5);
  const ColorJitterRanges ranges;  // iCatcher+'s 0.2, 0.2, 0.2, 0.05
  std::set<std::array<int, 4>> orders;
  double lo = 2, hi = 0, hueLo = 1, hueHi = -1;
  for (int i = 0; i < 4000; ++i) {
    const auto p = sampleColorJitter(ranges, rng);
    orders.insert(p.order);
    EXPECT_TRUE(p.useBrightness && p.useContrast && p.useSaturation && p.useHue);
    for (const double f : {p.brightness, p.contrast, p.saturation}) {
      lo = std::min(lo, f);
      hi = std::max(hi, f);
    }
    hueLo = std::min(hueLo, p.hue);
    hueHi = std::max(hueHi, p.hue);
  }
  EXPECT_EQ(orders.size(), 24u);  // all permutations of the four ops
  EXPECT_GE(lo, 0.8);
  EXPECT_LT(lo, 0.801);
  EXPECT_LE(hi, 1.2);
  EXPECT_GT(hi, 1.199);
  EXPECT_GE(hueLo, -0.05);
  EXPECT_LT(hueLo, -0.0499);
  EXPECT_LE(hueHi, 0.05);
  EXPECT_GT(hueHi, 0.0499);
}

TEST(ColorJitter, ZeroSwitchesAnOpOffAndLargeRangesClipAtZero) {
  Rng rng(1);
  ColorJitterRanges ranges{0, 1.5, 0.2, 0};
  for (int i = 0; i < 200; ++i) {
    const auto p = sampleColorJitter(ranges, rng);
    EXPECT_FALSE(p.useBrightness);
    EXPECT_FALSE(p.useHue);
    EXPECT_GE(p.contrast, 0.0);  // [max(0, 1 - 1.5), 2.5]
    EXPECT_LE(p.contrast, 2.5);
  }
}

}  // namespace
}  // namespace gazecoder::train
