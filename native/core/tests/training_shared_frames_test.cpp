// Shared-frame training (--shared-frames K): clips cover an epoch's windows exactly once, a shared-frame
// batch holds the same inputs as the per-window batch of its windows, and the shared step's loss and
// gradients equal the per-window step's.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <map>
#include <set>

#include "gazecoder/models/model_factory.h"
#include "gazecoder/models/regnet_spec.h"
#include "gazecoder/train/batch_loader.h"
#include "gazecoder/train/clips.h"
#include "gazecoder/train/sample_transform.h"
#include "gazecoder/train/train_step.h"
#include "training_helpers.h"

namespace gazecoder::train {
namespace {

using namespace testing;

constexpr const char* kTinyArch = "regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25";

std::vector<int64_t> startsOf(const std::vector<Sample>& samples, const Clip& clip) {
  std::vector<int64_t> starts;
  for (const int64_t w : clip.windows) starts.push_back(samples[static_cast<size_t>(w)].start);
  return starts;
}

TEST(Clips, GroupConsecutiveSameParityWindowsOfOneVideo) {
  std::vector<Sample> samples;
  for (int64_t t = 0; t < 10; ++t) samples.push_back({0, t, 0});
  for (const int64_t t : {0, 2, 4, 8, 10}) samples.push_back({1, t, 0});  // 6 is missing
  const auto clips = groupClips(samples, 2, 3);
  std::vector<std::pair<uint32_t, std::vector<int64_t>>> got;
  for (const auto& c : clips) got.push_back({samples[static_cast<size_t>(c.windows[0])].video, startsOf(samples, c)});
  const std::vector<std::pair<uint32_t, std::vector<int64_t>>> expected = {
      {0, {0, 2, 4}}, {0, {1, 3, 5}}, {0, {6, 8}}, {0, {7, 9}}, {1, {0, 2, 4}}, {1, {8, 10}}};
  EXPECT_EQ(got, expected);
  EXPECT_EQ(groupClips(samples, 2, 1).size(), samples.size());  // K = 1: a clip per window
  EXPECT_THROW(groupClips(samples, 2, 0), std::invalid_argument);
}

class SharedFrames : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_TRAINING_FIXTURES();
    dataset_ = Dataset::open(fixtureVideos(), 32, {});
  }
  Dataset dataset_;
};

TEST_F(SharedFrames, ClipsCoverEachEpochsWindowsExactlyOnce) {
  for (const int64_t k : {2, 4, 16}) {
    const auto clips = groupClips(dataset_.train, dataset_.sampleOptions.stride, k);
    std::vector<int64_t> clipOf;
    const auto order = clipEpochOrder(clips, true, 7, 1, &clipOf);
    ASSERT_EQ(order.size(), dataset_.train.size());
    EXPECT_EQ(std::set<int64_t>(order.begin(), order.end()).size(), dataset_.train.size()) << "K " << k;
    std::set<std::pair<uint32_t, int64_t>> windows;
    for (const auto& s : dataset_.train) windows.insert({s.video, s.start});
    for (const auto& clip : clips) {
      ASSERT_LE(static_cast<int64_t>(clip.windows.size()), k);
      // A clip ends when full or when its video has no next window of its parity.
      const Sample& last = dataset_.train[static_cast<size_t>(clip.windows.back())];
      if (static_cast<int64_t>(clip.windows.size()) < k) EXPECT_EQ(windows.count({last.video, last.start + 2}), 0u);
      for (size_t i = 1; i < clip.windows.size(); ++i) {
        const Sample& a = dataset_.train[static_cast<size_t>(clip.windows[i - 1])];
        const Sample& b = dataset_.train[static_cast<size_t>(clip.windows[i])];
        EXPECT_EQ(a.video, b.video);
        EXPECT_EQ(a.start + 2, b.start);
      }
    }
    // A clip's windows are consecutive in the epoch's order.
    for (size_t i = 1; i < order.size(); ++i) {
      if (clipOf[i] == clipOf[i - 1]) EXPECT_EQ(dataset_.train[order[i]].start, dataset_.train[order[i - 1]].start + 2);
    }
    EXPECT_NE(order, clipEpochOrder(clips, true, 7, 2));
  }
}

LoaderOptions sharedOptions(int64_t k, bool augment, int workers = 2) {
  LoaderOptions o;
  o.batchSize = 16;
  o.shuffle = true;
  o.seed = 5;
  o.epoch = 1;
  o.transform.colorJitter = augment;
  o.transform.horizontalFlip = augment;
  o.workers = workers;
  o.sharedFrames = k;
  return o;
}

std::vector<Batch> drain(BatchLoader& loader) {
  std::vector<Batch> out;
  while (auto b = loader.next()) out.push_back(*b);
  return out;
}

// The per-window images of a shared-frame batch: B×N×3×S×S.
torch::Tensor perWindowImages(const Batch& b) {
  const auto n = b.frameIndex.size(0), frames = b.frameIndex.size(1);
  return b.images.index_select(0, b.frameIndex.flatten()).view({n, frames, 3, b.images.size(2), b.images.size(3)});
}

TEST_F(SharedFrames, ABatchHoldsEachFrameOnceAndTheSameInputsAsItsWindows) {
  BatchLoader loader(dataset_, dataset_.train, sharedOptions(8, /*augment=*/false));
  const auto batches = drain(loader);
  ASSERT_EQ(static_cast<int64_t>(batches.size()), batchCount(static_cast<int64_t>(dataset_.train.size()), sharedOptions(8, false)));
  const auto clips = groupClips(dataset_.train, 2, 8);
  std::vector<int64_t> clipOf;
  const auto order = clipEpochOrder(clips, true, 5, 1, &clipOf);
  int64_t position = 0, frames = 0, windows = 0;
  for (const auto& b : batches) {
    const int64_t n = b.labels.size(0);
    ASSERT_EQ(b.images.dim(), 4);
    ASSERT_EQ(b.frameIndex.sizes(), (std::vector<int64_t>{n, 5}));
    const auto images = perWindowImages(b);
    std::map<std::pair<uint32_t, int64_t>, int64_t> rowOfFrame;
    for (int64_t i = 0; i < n; ++i, ++position) {
      const Sample& sample = dataset_.train[static_cast<size_t>(order[static_cast<size_t>(position)])];
      for (int64_t j = 0; j < 5; ++j) {
        const auto [at, added] = rowOfFrame.emplace(std::pair{sample.video, sample.start + 2 * j}, b.frameIndex[i][j].item<int64_t>());
        EXPECT_EQ(at->second, b.frameIndex[i][j].item<int64_t>()) << "a frame in two rows";
      }
      auto expected = torch::empty({5, 3, 32, 32}), boxes = torch::empty({5, 5});
      Rng rng(0);
      EXPECT_EQ(assembleSample(dataset_, sample, SampleTransform{}, rng, expected.data_ptr<float>(), boxes.data_ptr<float>()),
                b.labels[i].item<int64_t>());
      EXPECT_TRUE(torch::equal(images[i], expected)) << "window " << position;
      EXPECT_TRUE(torch::equal(b.boxes[i], boxes)) << "window " << position;
    }
    // Each frame once: as many rows as distinct frames.
    EXPECT_EQ(static_cast<int64_t>(rowOfFrame.size()), b.images.size(0));
    frames += b.images.size(0);
    windows += n;
  }
  EXPECT_EQ(windows, static_cast<int64_t>(dataset_.train.size()));
  // 8 windows of a full clip hold 12 frames instead of 40.
  EXPECT_LT(frames * 2, windows * 5) << frames << " frames for " << windows << " windows";
}

TEST_F(SharedFrames, JitterIsPerFrameAndTheFlipPerClip) {
  BatchLoader plainLoader(dataset_, dataset_.train, sharedOptions(4, false));
  BatchLoader augmented(dataset_, dataset_.train, sharedOptions(4, true));
  const auto plain = drain(plainLoader), aug = drain(augmented);
  ASSERT_EQ(plain.size(), aug.size());
  const auto clips = groupClips(dataset_.train, 2, 4);
  std::vector<int64_t> clipOf;
  clipEpochOrder(clips, true, 5, 1, &clipOf);
  std::map<int64_t, bool> flipOfClip;
  int64_t position = 0, mirrored = 0, total = 0;
  for (size_t b = 0; b < plain.size(); ++b) {
    const auto plainImages = perWindowImages(plain[b]), augImages = perWindowImages(aug[b]);
    for (int64_t i = 0; i < plain[b].labels.size(0); ++i, ++position) {
      const int64_t label = plain[b].labels[i].item<int64_t>();
      const bool flipped = std::abs(aug[b].boxes[i][0][2].item<float>() - (1 - plain[b].boxes[i][0][2].item<float>())) < 1e-6 &&
                           std::abs(aug[b].boxes[i][0][2].item<float>() - plain[b].boxes[i][0][2].item<float>()) > 1e-6;
      const auto [at, added] = flipOfClip.emplace(clipOf[static_cast<size_t>(position)], flipped);
      EXPECT_EQ(at->second, flipped) << "one flip per clip";
      EXPECT_EQ(aug[b].labels[i].item<int64_t>(), flipped ? mirroredLabel(label) : label);
      mirrored += flipped;
      ++total;
      // Jittered: every frame of the window differs from its plain copy (mirrored back when flipped).
      const auto seen = flipped ? augImages[i].flip({3}) : augImages[i];
      for (int64_t j = 0; j < 5; ++j) EXPECT_FALSE(torch::equal(seen[j], plainImages[i][j])) << "window " << position << " frame " << j;
    }
  }
  EXPECT_GT(mirrored, total / 4);
  EXPECT_LT(mirrored, total * 3 / 4);
}

TEST_F(SharedFrames, BatchesDoNotDependOnWorkersAndResumeMidway) {
  BatchLoader one(dataset_, dataset_.train, sharedOptions(4, true, 1));
  BatchLoader three(dataset_, dataset_.train, sharedOptions(4, true, 3), /*firstBatch=*/3);
  const auto a = drain(one), b = drain(three);
  ASSERT_EQ(b.size(), a.size() - 3);
  for (size_t i = 0; i < b.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i + 3].images, b[i].images)) << i;
    EXPECT_TRUE(torch::equal(a[i + 3].frameIndex, b[i].frameIndex)) << i;
    EXPECT_TRUE(torch::equal(a[i + 3].labels, b[i].labels)) << i;
  }
}

double relativeError(const torch::Tensor& a, const torch::Tensor& b) {
  return ((a.to(torch::kFloat64) - b.to(torch::kFloat64)).abs().max() / b.to(torch::kFloat64).abs().max().clamp_min(1e-30)).item<double>();
}

TEST_F(SharedFrames, TheSharedStepsLossAndGradientsEqualThePerWindowSteps) {
  BatchLoader loader(dataset_, dataset_.train, sharedOptions(8, /*augment=*/false));
  const Batch batch = *loader.next();
  struct Pass {
    double loss;
    std::vector<torch::Tensor> grads;
  };
  const auto pass = [&](bool shared) {
    torch::manual_seed(0);
    auto model = makeGazeModelForArch(kTinyArch);
    model->eval();  // no dropout, BatchNorm on running statistics: the two batches are the same computation
    const auto logits = shared ? forwardSharedFrames(*model, batch.images, batch.frameIndex, batch.boxes, false)
                               : forwardWindows(*model, perWindowImages(batch), batch.boxes, false);
    const auto loss = torch::nn::functional::cross_entropy(logits, batch.labels);
    loss.backward();
    Pass p{loss.item<double>(), {}};
    for (const auto& param : model->parameters()) p.grads.push_back(param.grad().clone());
    return p;
  };
  const Pass perWindow = pass(false), shared = pass(true);
  EXPECT_LT(std::abs(shared.loss - perWindow.loss) / std::abs(perWindow.loss), 1e-5);
  ASSERT_EQ(shared.grads.size(), perWindow.grads.size());
  for (size_t i = 0; i < shared.grads.size(); ++i) EXPECT_LT(relativeError(shared.grads[i], perWindow.grads[i]), 1e-5) << "parameter " << i;
  EXPECT_LT(batch.images.size(0) * 2, batch.labels.size(0) * 5);  // frames were shared
}

TEST(FreezeBatchNorm, TheEncodersStatisticsStayAndTheRestTrains) {
  torch::manual_seed(0);
  auto model = makeGazeModelForArch(kTinyArch);
  model->train();
  freezeBatchNorm(model->encoderImg());
  std::vector<torch::Tensor> before;
  for (const auto& b : model->encoderImg().buffers()) before.push_back(b.clone());
  auto step = [&] {
    const auto logits = model->forward(torch::randn({4, 5, 3, 32, 32}), torch::rand({4, 5, 5}));
    torch::nn::functional::cross_entropy(logits, torch::tensor({0, 1, 2, 1}, torch::kLong)).backward();
  };
  step();
  const auto after = model->encoderImg().buffers();
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(before[i], after[i])) << "encoder buffer " << i;
  bool affineGrad = false;
  for (const auto& item : model->encoderImg().named_parameters()) {
    if (item.key().find(".1.weight") != std::string::npos && item.value().grad().defined()) affineGrad = true;
  }
  EXPECT_TRUE(affineGrad) << "the BatchNorm affine weights still get gradients";
  EXPECT_TRUE(model->is_training());
}

}  // namespace
}  // namespace gazecoder::train
