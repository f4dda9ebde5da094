// Model::encodeImages + Model::predictFromEmbeddings (what `gazecoder annotate` runs) against forward():
// the same logits when frames are encoded once and shared by overlapping windows.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <stdexcept>
#include <vector>

#include "gazecoder/model.h"

namespace gazecoder {
namespace {

ModelSpec smallGaze() {
  ModelSpec spec;
  spec.arch = "regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25";
  spec.kind = ModelSpec::Kind::Gaze;
  spec.window = 5;
  return spec;
}

TEST(ModelEmbeddings, SharedFrameEmbeddingsGiveForwardLogits) {
  torch::manual_seed(3);
  Model model(smallGaze());
  // 13 frames; windows t, t+2, …, t+8 for t = 0..4, as annotate samples them.
  const torch::Tensor frames = torch::randn({13, 3, 100, 100});
  const torch::Tensor frameBoxes = torch::rand({13, 5});
  std::vector<torch::Tensor> windowImages, windowBoxes;
  std::vector<int64_t> index;
  for (int64_t t = 0; t <= 4; ++t) {
    const auto rows = torch::arange(t, t + 9, 2);
    windowImages.push_back(frames.index_select(0, rows));
    windowBoxes.push_back(frameBoxes.index_select(0, rows));
  }
  const torch::Tensor images = torch::stack(windowImages);
  const torch::Tensor boxes = torch::stack(windowBoxes);
  const torch::Tensor expected = model.forward(images, boxes, false);

  const torch::Tensor embeddings = model.encodeImages(frames);
  ASSERT_EQ(embeddings.sizes(), (std::vector<int64_t>{13, 256}));
  std::vector<torch::Tensor> windows;
  for (int64_t t = 0; t <= 4; ++t) windows.push_back(embeddings.index_select(0, torch::arange(t, t + 9, 2)));
  const torch::Tensor logits = model.predictFromEmbeddings(torch::stack(windows), boxes);
  ASSERT_EQ(logits.sizes(), expected.sizes());
  EXPECT_LE((logits - expected).abs().max().item<float>(), 1e-5f * std::max(1.0f, expected.abs().max().item<float>()));
}

TEST(ModelEmbeddings, RunsInEvalModeAfterATrainingForward) {
  torch::manual_seed(4);
  Model model(smallGaze());
  const torch::Tensor frames = torch::randn({5, 3, 100, 100});
  const torch::Tensor before = model.encodeImages(frames);
  model.forward(torch::randn({2, 5, 3, 100, 100}), torch::rand({2, 5, 5}), /*train=*/true);
  // The training forward moved BatchNorm's running statistics, but eval mode uses them, not the batch's.
  const torch::Tensor single = model.encodeImages(frames.slice(0, 0, 1));
  const torch::Tensor batch = model.encodeImages(frames);
  EXPECT_LE((single[0] - batch[0]).abs().max().item<float>(), 1e-5f);
  EXPECT_EQ(before.sizes(), batch.sizes());
}

TEST(ModelEmbeddings, RejectsBackbonesAndBadShapes) {
  ModelSpec backbone;
  backbone.arch = "regnet_y_400mf";  // bare classifiers take torchvision names only
  backbone.kind = ModelSpec::Kind::Backbone;
  Model bare(backbone);
  EXPECT_THROW(bare.encodeImages(torch::zeros({1, 3, 100, 100})), std::invalid_argument);
  Model model(smallGaze());
  EXPECT_THROW(model.encodeImages(torch::zeros({1, 5, 3, 100, 100})), c10::Error);
  EXPECT_THROW(model.predictFromEmbeddings(torch::zeros({2, 4, 256}), torch::zeros({2, 4, 5})), c10::Error);
}

}  // namespace
}  // namespace gazecoder
