#include "gazecoder/train/color_jitter.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace gazecoder::train {
namespace {

// torchvision's rgb_to_grayscale weights (functional_tensor.py; ITU-R 601-2 with 0.2989 for red).
constexpr float kRed = 0.2989f, kGreen = 0.587f, kBlue = 0.114f;

float clamp01(float v) { return std::min(std::max(v, 0.0f), 1.0f); }

// (0.2989 * r + 0.587 * g + 0.114 * b), each product and sum rounded to float32 as torch does.
float gray(float r, float g, float b) {
  const float rg = kRed * r + kGreen * g;  // the two products and their sum, in float
  return rg + kBlue * b;
}

// _blend(img1, img2, ratio) = (ratio * img1 + (1.0 - ratio) * img2).clamp(0, 1), with the Python-side
// scalars ratio and 1.0 - ratio each rounded to float32.
struct Blend {
  float a, b;
  explicit Blend(double ratio) : a(static_cast<float>(ratio)), b(static_cast<float>(1.0 - ratio)) {}
  float operator()(float x, float y) const {
    const float ax = a * x;
    const float by = b * y;
    return clamp01(ax + by);
  }
};

}  // namespace

ColorJitterParams sampleColorJitter(const ColorJitterRanges& ranges, Rng& rng) {
  ColorJitterParams p;
  // torch.randperm(4), then one uniform draw per enabled op, in get_params' order.
  for (int i = 3; i > 0; --i) std::swap(p.order[i], p.order[rng.below(static_cast<uint64_t>(i) + 1)]);
  const auto factor = [&](double spread, double& out, bool& use) {
    use = spread > 0;
    if (use) out = rng.uniform(std::max(0.0, 1.0 - spread), 1.0 + spread);
  };
  factor(ranges.brightness, p.brightness, p.useBrightness);
  factor(ranges.contrast, p.contrast, p.useContrast);
  factor(ranges.saturation, p.saturation, p.useSaturation);
  p.useHue = ranges.hue > 0;
  if (p.useHue) p.hue = rng.uniform(-ranges.hue, ranges.hue);
  return p;
}

void adjustBrightness(float* chw, int64_t pixels, double factor) {
  // _blend(img, zeros, factor)
  const Blend blend(factor);
  for (int64_t i = 0; i < 3 * pixels; ++i) chw[i] = blend(chw[i], 0.0f);
}

void adjustContrast(float* chw, int64_t pixels, double factor) {
  // _blend(img, mean(grayscale(img)), factor)
  float* r = chw;
  float* g = chw + pixels;
  float* b = chw + 2 * pixels;
  double sum = 0;
  for (int64_t i = 0; i < pixels; ++i) sum += gray(r[i], g[i], b[i]);
  const auto mean = static_cast<float>(sum / static_cast<double>(pixels));
  const Blend blend(factor);
  for (int64_t i = 0; i < 3 * pixels; ++i) chw[i] = blend(chw[i], mean);
}

void adjustSaturation(float* chw, int64_t pixels, double factor) {
  // _blend(img, grayscale(img), factor), the gray of each pixel shared by its three channels
  float* r = chw;
  float* g = chw + pixels;
  float* b = chw + 2 * pixels;
  const Blend blend(factor);
  for (int64_t i = 0; i < pixels; ++i) {
    const float l = gray(r[i], g[i], b[i]);
    r[i] = blend(r[i], l);
    g[i] = blend(g[i], l);
    b[i] = blend(b[i], l);
  }
}

void adjustHue(float* chw, int64_t pixels, double factor) {
  float* rp = chw;
  float* gp = chw + pixels;
  float* bp = chw + 2 * pixels;
  const auto hueShift = static_cast<float>(factor);
  for (int64_t i = 0; i < pixels; ++i) {
    const float r = rp[i], g = gp[i], b = bp[i];
    // _rgb2hsv
    const float maxc = std::max(std::max(r, g), b);
    const float minc = std::min(std::min(r, g), b);
    const bool eqc = maxc == minc;
    const float cr = maxc - minc;
    const float s = cr / (eqc ? 1.0f : maxc);
    const float crDivisor = eqc ? 1.0f : cr;
    const float rc = (maxc - r) / crDivisor;
    const float gc = (maxc - g) / crDivisor;
    const float bc = (maxc - b) / crDivisor;
    const float hr = maxc == r ? bc - gc : 0.0f;
    const float hg = (maxc == g && maxc != r) ? (2.0f + rc) - bc : 0.0f;
    const float hb = (maxc != g && maxc != r) ? (4.0f + gc) - rc : 0.0f;
    float h = (hr + hg) + hb;
    h = std::fmod(h / 6.0f + 1.0f, 1.0f);
    const float v = maxc;
    // (h + hue_factor) % 1.0: torch.remainder, whose result takes the divisor's sign.
    h = std::fmod(h + hueShift, 1.0f);
    if (h < 0.0f) h += 1.0f;
    // _hsv2rgb
    const float h6 = h * 6.0f;
    const float fi = std::floor(h6);
    const float f = h6 - fi;
    const int sector = static_cast<int>(fi) % 6;
    const float p = clamp01(v * (1.0f - s));
    const float q = clamp01(v * (1.0f - s * f));
    const float t = clamp01(v * (1.0f - s * (1.0f - f)));
    float out[3];
    switch (sector) {
      case 0: out[0] = v, out[1] = t, out[2] = p; break;
      case 1: out[0] = q, out[1] = v, out[2] = p; break;
      case 2: out[0] = p, out[1] = v, out[2] = t; break;
      case 3: out[0] = p, out[1] = q, out[2] = v; break;
      case 4: out[0] = t, out[1] = p, out[2] = v; break;
      default: out[0] = v, out[1] = p, out[2] = q; break;
    }
    rp[i] = out[0];
    gp[i] = out[1];
    bp[i] = out[2];
  }
}

void applyColorJitter(float* chw, int64_t pixels, const ColorJitterParams& params) {
  for (const int op : params.order) {
    if (op == 0 && params.useBrightness) adjustBrightness(chw, pixels, params.brightness);
    if (op == 1 && params.useContrast) adjustContrast(chw, pixels, params.contrast);
    if (op == 2 && params.useSaturation) adjustSaturation(chw, pixels, params.saturation);
    if (op == 3 && params.useHue) adjustHue(chw, pixels, params.hue);
  }
}

}  // namespace gazecoder::train
