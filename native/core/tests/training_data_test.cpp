// The training data path: .npy mapping, iCatcher+'s window rule, dataset checks, sample assembly
// against torchvision's ToTensor + Normalize, and the batch loader's determinism.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "gazecoder/train/batch_loader.h"
#include "gazecoder/train/dataset.h"
#include "gazecoder/train/npy_file.h"
#include "gazecoder/train/sample_transform.h"
#include "gazecoder/train/samples.h"
#include "training_helpers.h"

namespace gazecoder::train {
namespace {

using namespace testing;

// ---------------------------------------------------------------------------------------------
// Windows

struct Frames {
  std::vector<int32_t> crop;
  std::vector<int8_t> labels;  // F×2
  explicit Frames(const std::vector<int>& coder1, const std::vector<int>& coder2 = {}) {
    for (size_t f = 0; f < coder1.size(); ++f) {
      crop.push_back(static_cast<int32_t>(f));
      labels.push_back(static_cast<int8_t>(coder1[f]));
      labels.push_back(static_cast<int8_t>(coder2.empty() ? -2 : coder2[f]));
    }
  }
  std::vector<Window> windows(const SampleOptions& o = {}) const {
    return collectWindows(crop.data(), labels.data(), static_cast<int64_t>(crop.size()), o);
  }
};

std::vector<int64_t> starts(const std::vector<Window>& windows) {
  std::vector<int64_t> out;
  for (const auto& w : windows) out.push_back(w.start);
  return out;
}

TEST(Windows, EveryFullyValidNineFrameSpanLabelledByItsMiddleFrame) {
  const Frames frames({0, 0, 1, 1, 1, 2, 2, 2, 2, 0, 0, 1});
  const auto windows = frames.windows();
  EXPECT_EQ(starts(windows), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_EQ(windows[0].label, 1);  // frame 4
  EXPECT_EQ(windows[1].label, 2);  // frame 5
  EXPECT_EQ(windows[3].label, 2);  // frame 7
  EXPECT_EQ(SampleOptions().framesPerSample(), 5);
}

TEST(Windows, FramesSkippedByTheStrideStillNeedAFaceAndALabel) {
  std::vector<int> labels(20, 1);
  Frames noFace(labels);
  noFace.crop[10] = -1;
  EXPECT_EQ(starts(noFace.windows()), (std::vector<int64_t>{0, 1, 11}));
  labels[1] = -2;  // frame 1 is not among the sampled frames of window 0, but the window needs it
  EXPECT_EQ(starts(Frames(labels).windows()), (std::vector<int64_t>{2, 3, 4, 5, 6, 7, 8, 9, 10, 11}));
}

TEST(Windows, EliminateTransitionsKeepsOnlyWindowsOfOneLabel) {
  const Frames frames({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2});
  EXPECT_EQ(starts(frames.windows()), (std::vector<int64_t>{0, 1, 2, 3}));
  SampleOptions o;
  o.eliminateTransitions = true;
  EXPECT_EQ(starts(frames.windows(o)), (std::vector<int64_t>{0, 1}));
}

TEST(Windows, MutuallyAgreedNeedsCoderTwoToMatchOnTheMiddleFrame) {
  const Frames frames({1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, {-2, -2, -2, -2, 0, 1, -2, 1, 1, 1, 1});
  SampleOptions o;
  o.useMutuallyAgreed = true;
  EXPECT_EQ(starts(frames.windows(o)), (std::vector<int64_t>{1}));  // middle frames 4, 5, 6: only 5 agrees
}

TEST(Windows, MatchICatcherPlusOnTheFixtureDataset) {
  REQUIRE_TRAINING_FIXTURES();
  const auto expected = loadFixture("windows.pth");
  for (const bool et : {false, true}) {
    for (const bool ma : {false, true}) {
      SampleOptions o;
      o.eliminateTransitions = et;
      o.useMutuallyAgreed = ma;
      const Dataset dataset = Dataset::open(fixtureVideos(), 32, o);
      for (size_t v = 0; v < dataset.videos.size(); ++v) {
        std::vector<int64_t> ours, ourLabels;
        for (const auto* split : {&dataset.train, &dataset.val}) {
          for (const auto& s : *split) {
            if (s.video != v) continue;
            ours.push_back(s.start);
            ourLabels.push_back(s.label);
          }
        }
        const std::string key = dataset.videos[v].id + "_" + std::to_string(et) + std::to_string(ma);
        const auto wantStarts = tensorAt(expected, key + "_start");
        const auto wantLabels = tensorAt(expected, key + "_label");
        ASSERT_GT(wantStarts.numel(), 10) << key;
        EXPECT_EQ(ours, std::vector<int64_t>(wantStarts.data_ptr<int64_t>(), wantStarts.data_ptr<int64_t>() + wantStarts.numel())) << key;
        EXPECT_EQ(ourLabels, std::vector<int64_t>(wantLabels.data_ptr<int64_t>(), wantLabels.data_ptr<int64_t>() + wantLabels.numel())) << key;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Files

TEST(NpyFile, MapsAnArrayAndChecksItsShape) {
  TempDir dir;
  const std::vector<float> values = {1, 2, 3, 4, 5, 6};
  writeNpy(dir / "a.npy", "<f4", {2, 3}, std::string(reinterpret_cast<const char*>(values.data()), 24));
  const NpyFile file = NpyFile::open(dir / "a.npy");
  EXPECT_EQ(file.shape(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(file.as<float>()[5], 6.0f);
  EXPECT_NO_THROW(file.expect("<f4", {-1, 3}, "float32 [N, 3]"));
  const auto message = errorOf([&] { file.expect("<f4", {-1, 5}, "float32 [K, 5]"); });
  EXPECT_EQ(message, dir / "a.npy" + ": expected float32 [K, 5], found <f4 [2, 3]");
}

TEST(NpyFile, NamesTheFileThatIsMissingTruncatedOrNotNpy) {
  TempDir dir;
  EXPECT_NE(errorOf([&] { NpyFile::open(dir / "none.npy"); }).find(dir / "none.npy" + ": cannot open"), std::string::npos);
  writeNpy(dir / "short.npy", "<f4", {10}, std::string(12, '\0'));
  EXPECT_NE(errorOf([&] { NpyFile::open(dir / "short.npy"); }).find("short.npy: truncated"), std::string::npos);
  std::FILE* f = std::fopen((dir / "text.npy").c_str(), "wb");
  std::fputs("hello, world", f);
  std::fclose(f);
  EXPECT_NE(errorOf([&] { NpyFile::open(dir / "text.npy"); }).find("text.npy: not a .npy file"), std::string::npos);
  writeNpy(dir / "big.npy", ">f4", {1}, std::string(4, '\0'));
  EXPECT_NE(errorOf([&] { NpyFile::open(dir / "big.npy"); }).find("unsupported dtype '>f4'"), std::string::npos);
}

TEST(DatasetFiles, InconsistentArraysAreNamed) {
  REQUIRE_TRAINING_FIXTURES();
  TempDir dir;
  const CopiedVideo v = copiedTrainingVideo(dir);
  EXPECT_NO_THROW(Video::open(v.video, 32));
  EXPECT_NE(errorOf([&] { Video::open(v.video, 100); }).find("crops.npy: expected uint8 [K, 100, 100, 3] (manifest imageSize 100)"),
            std::string::npos);
  writeNpy((v.copy / "boxes.npy").string(), "<f4", {3, 5}, std::string(60, '\0'));
  EXPECT_NE(errorOf([&] { Video::open(v.video, 32); }).find("boxes.npy: expected float32 ["), std::string::npos);
  std::filesystem::copy_file(v.source / "boxes.npy", v.copy / "boxes.npy", std::filesystem::copy_options::overwrite_existing);
  const std::vector<int32_t> frameCrop = {0, 1, 100000};
  writeNpy((v.copy / "frame_crop.npy").string(), "<i4", {3}, std::string(reinterpret_cast<const char*>(frameCrop.data()), 12));
  EXPECT_NE(errorOf([&] { Video::open(v.video, 32); }).find("labels.npy: expected int8 [3, 2] (one row per frame of frame_crop.npy)"),
            std::string::npos);
  writeNpy((v.copy / "labels.npy").string(), "|i1", {3, 2}, std::string(6, '\1'));
  const auto message = errorOf([&] { Video::open(v.video, 32); });
  EXPECT_NE(message.find("frame_crop.npy: frame 2 names crop 100000, but crops.npy holds"), std::string::npos) << message;
}

TEST(DatasetFiles, ASplitWithoutWindowsIsAnError) {
  REQUIRE_TRAINING_FIXTURES();
  auto videos = fixtureVideos();
  videos.erase(std::remove_if(videos.begin(), videos.end(), [](const auto& v) { return v.split == Split::Val; }), videos.end());
  EXPECT_NE(errorOf([&] { Dataset::open(videos, 32, {}); }).find("no training windows in the val split (0 done videos)"),
            std::string::npos);
}

// ---------------------------------------------------------------------------------------------
// Samples

class Samples : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_TRAINING_FIXTURES();
    dataset_ = Dataset::open(fixtureVideos(), 32, {});
  }
  Dataset dataset_;
};

TEST_F(Samples, ToTensorAndNormalizeAsTorchvision) {
  const auto expected = tensorAt(loadFixture("transform.pth"), "expected");  // every crop of train-01
  const Video& video = dataset_.videos[1];
  ASSERT_EQ(video.id, "train-01");
  int checked = 0;
  for (const auto& sample : dataset_.train) {
    if (sample.video != 1) continue;
    auto images = torch::empty({5, 3, 32, 32});
    auto boxes = torch::empty({5, 5});
    Rng rng(1);
    const int64_t label = assembleSample(dataset_, sample, SampleTransform{}, rng, images.data_ptr<float>(), boxes.data_ptr<float>());
    EXPECT_EQ(label, sample.label);
    for (int64_t j = 0; j < 5; ++j) {
      const int32_t crop = video.frameCrop.as<int32_t>()[sample.start + 2 * j];
      EXPECT_LE((images[j] - expected[crop]).abs().max().item<float>(), 1e-6f) << "frame " << sample.start + 2 * j;
      EXPECT_EQ(boxes[j][2].item<float>(), video.boxes.as<float>()[crop * 5 + 2]);
    }
    ++checked;
  }
  EXPECT_GT(checked, 50);
}

TEST_F(Samples, HorizontalFlipMirrorsTheWindowItsBoxesAndItsLabel) {
  SampleTransform flip;
  flip.horizontalFlip = true;
  const Sample sample = *std::find_if(dataset_.train.begin(), dataset_.train.end(), [](const auto& s) { return s.label == 1; });
  auto plain = torch::empty({5, 3, 32, 32}), plainBoxes = torch::empty({5, 5});
  Rng none(0);
  assembleSample(dataset_, sample, SampleTransform{}, none, plain.data_ptr<float>(), plainBoxes.data_ptr<float>());
  std::set<int64_t> labels;
  for (uint64_t seed = 0; seed < 16; ++seed) {
    auto images = torch::empty({5, 3, 32, 32}), boxes = torch::empty({5, 5});
    Rng rng(seed);
    const int64_t label = assembleSample(dataset_, sample, flip, rng, images.data_ptr<float>(), boxes.data_ptr<float>());
    labels.insert(label);
    if (label == 2) {
      EXPECT_TRUE(torch::equal(images, plain.flip({3})));
      EXPECT_TRUE(torch::allclose(boxes.select(1, 2), 1 - plainBoxes.select(1, 2)));
      EXPECT_TRUE(torch::equal(boxes.select(1, 0), plainBoxes.select(1, 0)));
    } else {
      EXPECT_EQ(label, 1);
      EXPECT_TRUE(torch::equal(images, plain));
    }
  }
  EXPECT_EQ(labels, (std::set<int64_t>{1, 2}));  // both outcomes of the coin
}

// ---------------------------------------------------------------------------------------------
// Loader

LoaderOptions trainOptions(int workers) {
  LoaderOptions o;
  o.batchSize = 16;
  o.shuffle = true;
  o.seed = 11;
  o.epoch = 2;
  o.transform.colorJitter = true;
  o.transform.horizontalFlip = true;
  o.workers = workers;
  return o;
}

std::vector<Batch> drain(BatchLoader& loader) {
  std::vector<Batch> out;
  while (auto b = loader.next()) out.push_back(*b);
  return out;
}

TEST_F(Samples, BatchesDoNotDependOnTheNumberOfWorkers) {
  BatchLoader one(dataset_, dataset_.train, trainOptions(1));
  BatchLoader four(dataset_, dataset_.train, trainOptions(4));
  const auto a = drain(one), b = drain(four);
  ASSERT_EQ(a.size(), static_cast<size_t>(one.batches()));
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].index, static_cast<int64_t>(i));
    EXPECT_TRUE(torch::equal(a[i].images, b[i].images)) << i;
    EXPECT_TRUE(torch::equal(a[i].boxes, b[i].boxes)) << i;
    EXPECT_TRUE(torch::equal(a[i].labels, b[i].labels)) << i;
  }
  EXPECT_EQ(a[0].images.sizes(), (std::vector<int64_t>{16, 5, 3, 32, 32}));
}

TEST_F(Samples, AnEpochResumedMidwayYieldsTheSameBatches) {
  BatchLoader full(dataset_, dataset_.train, trainOptions(2));
  BatchLoader rest(dataset_, dataset_.train, trainOptions(3), /*firstBatch=*/5);
  const auto a = drain(full), b = drain(rest);
  ASSERT_EQ(b.size(), a.size() - 5);
  for (size_t i = 0; i < b.size(); ++i) EXPECT_TRUE(torch::equal(a[i + 5].images, b[i].images));
}

TEST_F(Samples, EpochsShuffleAndAugmentDifferently) {
  auto next = trainOptions(2);
  next.epoch = 3;
  BatchLoader a(dataset_, dataset_.train, trainOptions(2)), b(dataset_, dataset_.train, next);
  EXPECT_FALSE(torch::equal(a.next()->labels, b.next()->labels));
  const auto order = epochOrder(100, true, 11, 2);
  EXPECT_EQ(std::set<int64_t>(order.begin(), order.end()).size(), 100u);
  EXPECT_NE(order, epochOrder(100, true, 11, 3));
  EXPECT_NE(order, epochOrder(100, true, 12, 2));
  EXPECT_EQ(epochOrder(5, false, 11, 2), (std::vector<int64_t>{0, 1, 2, 3, 4}));
}

TEST(Loader, BatchCountKeepsPartialBatchesButNotASingleTrainingSample) {
  LoaderOptions o;
  o.batchSize = 8;
  EXPECT_EQ(batchCount(16, o), 2);
  EXPECT_EQ(batchCount(20, o), 3);
  EXPECT_EQ(batchCount(17, o), 2);  // BatchNorm cannot train on one sample
  o.dropLastSingle = false;
  EXPECT_EQ(batchCount(17, o), 3);
  o.dropLast = true;
  EXPECT_EQ(batchCount(20, o), 2);
}

TEST_F(Samples, AWorkerErrorReachesTheConsumer) {
  std::vector<Sample> broken = {dataset_.train[0], {99, 0, 1}};  // no video 99
  LoaderOptions o;
  o.batchSize = 1;
  o.dropLastSingle = false;
  BatchLoader loader(dataset_, broken, o);
  EXPECT_NO_THROW(loader.next());
  EXPECT_THROW(loader.next(), std::out_of_range);
}

}  // namespace
}  // namespace gazecoder::train
