// The training loop end to end in the core: run files, exact resume after interruptions (mid-epoch and
// mid-validation, with another number of loader workers, and from periodic checkpoints after a kill),
// failed checkpoint writes, early stopping, and setting errors.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "gazecoder/checkpoint/state_dict.h"
#include "gazecoder/model.h"
#include "gazecoder/models/regnet_spec.h"
#include "gazecoder/train/random.h"
#include "gazecoder/train/trainer.h"
#include "gazecoder/train/training_state.h"
#include "training_helpers.h"

namespace gazecoder::train {
namespace {

using namespace testing;

constexpr const char* kTinyArch = "regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25";
// 65 training windows (9 batches of 8), 40 validation windows: whole trainings in seconds.
constexpr const char* kDataset = "trainer_dataset";

TrainRequest tinyRequest(const std::string& out) {
  TrainRequest r;
  r.dataset = (trainingFixtures() / kDataset).string();
  r.videos = fixtureVideos(kDataset);
  r.imageSize = 32;
  r.outDir = out;
  r.arch = kTinyArch;
  r.device = "cpu";
  r.batchSize = 8;
  r.epochs = 2;
  r.lr = 1e-3;
  r.seed = 3;
  r.workers = 2;
  r.logEvery = 5;
  r.horizontalFlip = true;
  return r;
}

struct TrainedRun {
  std::vector<TrainEvent> events;
  DoneEvent done;
  template <typename T>
  std::vector<T> all() const {
    std::vector<T> out;
    for (const auto& e : events) {
      if (const auto* t = std::get_if<T>(&e)) out.push_back(*t);
    }
    return out;
  }
};

// Trains; `stopWhen` sees every event and may ask the run to stop.
TrainedRun train(const TrainRequest& request, const std::function<bool(const TrainEvent&)>& stopWhen = nullptr) {
  TrainedRun run;
  std::atomic<bool> stop{false};
  run.done = runTraining(request, [&](const TrainEvent& e) {
    run.events.push_back(e);
    if (stopWhen && stopWhen(e)) stop = true;
  }, stop);
  return run;
}

std::vector<std::string> lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

void expectSameModel(const StateDict& a, const StateDict& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    ASSERT_EQ(a[i].key(), b[i].key());
    EXPECT_TRUE(torch::equal(a[i].value(), b[i].value())) << a[i].key();
  }
}

class Trainer : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_TRAINING_FIXTURES();
    at::set_num_threads(2);
  }
  TempDir dir_;
};

TEST_F(Trainer, WritesItsRunFilesAndReportsEveryStepAndEpoch) {
  const TrainedRun run = train(tinyRequest(dir_ / "run"));
  EXPECT_EQ(run.done.reason, "completed");
  EXPECT_EQ(run.done.epochs, 2);
  const auto start = run.all<StartEvent>();
  ASSERT_EQ(start.size(), 1u);
  EXPECT_EQ(start[0].trainVideos, 3);
  EXPECT_EQ(start[0].valVideos, 2);
  EXPECT_EQ(start[0].amp, cpuFavoursBf16() ? "bf16" : "off");
  const auto steps = run.all<StepEvent>();
  ASSERT_EQ(static_cast<int64_t>(steps.size()), 2 * start[0].batchesPerEpoch);
  EXPECT_GT(steps.back().samplesPerSecond, 0);
  EXPECT_EQ(steps.back().lr, 1e-3);
  const auto epochs = run.all<EpochEvent>();
  ASSERT_EQ(epochs.size(), 2u);
  EXPECT_EQ(epochs[1].epoch, 2);
  EXPECT_EQ(epochs[0].isBest, true);
  EXPECT_TRUE(epochs[1].valClassAccuracy[0].has_value());

  const auto metrics = lines(dir_ / "run/metrics.jsonl");
  const auto steps5 = static_cast<size_t>(steps.size() / 5);
  ASSERT_EQ(metrics.size(), steps5 + 2);
  EXPECT_NE(metrics.back().find("\"type\":\"epoch\",\"epoch\":2"), std::string::npos) << metrics.back();
  EXPECT_NE(metrics.front().find("\"samplesPerSecond\":"), std::string::npos);
  std::ifstream config(dir_ / "run/config.json");
  std::stringstream text;
  text << config.rdbuf();
  EXPECT_NE(text.str().find("\"arch\":\"regnet:depth=3"), std::string::npos);
  EXPECT_NE(text.str().find("\"trainWindows\":"), std::string::npos);

  // best.pth is a plain state dict of the best epoch; last.pth's "model" loads as one too.
  const auto last = loadTrainingState(dir_ / "run/last.pth");
  EXPECT_EQ(last.progress.epoch, 2);
  auto model = makeGazeModelForArch(kTinyArch);
  EXPECT_EQ(loadWeightsInto(*model, nullptr, dir_ / "run/best.pth", "tiny").interpretedAs, "checkpoint");
  EXPECT_NO_THROW(loadWeightsInto(*model, nullptr, dir_ / "run/last.pth", "tiny"));
  if (!epochs[1].isBest) {
    // Not the last epoch's weights, then.
    const auto best = loadStateDictFile(dir_ / "run/best.pth");
    EXPECT_FALSE(torch::equal(best["predictor.fc3.weight"], last.model["predictor.fc3.weight"]));
  }
}

TEST_F(Trainer, AResumedRunEndsWithTheWeightsOfAnUninterruptedOne) {
  const TrainedRun straight = train(tinyRequest(dir_ / "straight"));
  ASSERT_FALSE(straight.all<StartEvent>().empty());
  const int64_t batches = straight.all<StartEvent>()[0].batchesPerEpoch;
  ASSERT_GE(batches, 4);
  const int64_t half = batches / 2;

  // Interrupted mid-epoch ...
  const TrainedRun first = train(tinyRequest(dir_ / "resumed"), [half](const TrainEvent& e) {
    const auto* step = std::get_if<StepEvent>(&e);
    return step != nullptr && step->step == half;
  });
  EXPECT_EQ(first.done.reason, "aborted");
  const auto midEpoch = loadTrainingState(dir_ / "resumed/last.pth");
  EXPECT_EQ(midEpoch.progress.step, half);
  EXPECT_EQ(midEpoch.progress.batch, half);
  EXPECT_EQ(midEpoch.progress.epoch, 0);

  // ... then, resumed with another number of workers and the settings taken from last.pth, stopped
  // again during the first validation ...
  TrainRequest resume;
  resume.dataset = tinyRequest("").dataset;
  resume.videos = fixtureVideos(kDataset);
  resume.imageSize = 32;
  resume.outDir = dir_ / "resumed";
  resume.resume = true;
  resume.device = "cpu";
  resume.workers = 1;
  resume.logEvery = 5;
  const TrainedRun second = train(resume, [](const TrainEvent& e) {
    const auto* step = std::get_if<StepEvent>(&e);
    return step != nullptr && step->batch == step->batches;
  });
  EXPECT_EQ(second.done.reason, "aborted");
  ASSERT_FALSE(second.all<StartEvent>().empty());
  EXPECT_EQ(second.all<StartEvent>()[0].startBatch, half);
  EXPECT_TRUE(second.all<EpochEvent>().empty());
  EXPECT_TRUE(loadTrainingState(dir_ / "resumed/last.pth").progress.trainDone);

  // ... and resumed to the end.
  const TrainedRun third = train(resume);
  EXPECT_EQ(third.done.reason, "completed");
  EXPECT_EQ(third.all<EpochEvent>().size(), 2u);

  const auto a = loadTrainingState(dir_ / "straight/last.pth");
  const auto b = loadTrainingState(dir_ / "resumed/last.pth");
  expectSameModel(a.model, b.model);
  EXPECT_EQ(a.progress.step, b.progress.step);
  const auto am = a.optimizer.toGenericDict().at("exp_avg").toListRef();
  const auto bm = b.optimizer.toGenericDict().at("exp_avg").toListRef();
  for (size_t i = 0; i < am.size(); ++i) EXPECT_TRUE(torch::equal(am[i].toTensor(), bm[i].toTensor()));
  expectSameModel(loadStateDictFile(dir_ / "straight/best.pth"), loadStateDictFile(dir_ / "resumed/best.pth"));
  // metrics.jsonl tells the same epochs (the timings aside).
  const auto strip = [](std::string line) { return line.substr(0, line.find("\"trainSeconds\"")); };
  const auto la = lines(dir_ / "straight/metrics.jsonl"), lb = lines(dir_ / "resumed/metrics.jsonl");
  ASSERT_EQ(la.size(), lb.size());
  EXPECT_EQ(strip(la.back()), strip(lb.back()));
}

TEST_F(Trainer, ASharedFrameRunResumesExactlyAndKeepsItsClips) {
  auto request = tinyRequest(dir_ / "straight");
  request.sharedFrames = 4;
  request.freezeEncoderBatchNorm = true;
  const TrainedRun straight = train(request);
  ASSERT_EQ(straight.done.reason, "completed");
  const int64_t batches = straight.all<StartEvent>()[0].batchesPerEpoch;
  EXPECT_EQ(batches, 8);  // 65 windows in batches of 8, as per window: clips fill batches exactly
  std::ifstream config(dir_ / "straight/config.json");
  std::stringstream text;
  text << config.rdbuf();
  EXPECT_NE(text.str().find("\"sharedFrames\":4"), std::string::npos) << text.str();
  EXPECT_NE(text.str().find("\"freezeEncoderBatchNorm\":true"), std::string::npos);

  request.outDir = dir_ / "resumed";
  const TrainedRun first = train(request, [&](const TrainEvent& e) {
    const auto* step = std::get_if<StepEvent>(&e);
    return step != nullptr && step->step == batches + 3;  // in the second epoch
  });
  EXPECT_EQ(first.done.reason, "aborted");
  TrainRequest resume;
  resume.dataset = request.dataset;
  resume.videos = request.videos;
  resume.imageSize = 32;
  resume.outDir = dir_ / "resumed";
  resume.resume = true;
  resume.device = "cpu";
  resume.workers = 1;
  resume.sharedFrames = 8;
  EXPECT_NE(errorOf([&] { train(resume); }).find("--shared-frames 8 differs from the run being resumed (4)"), std::string::npos);
  resume.sharedFrames.reset();
  EXPECT_EQ(train(resume).done.reason, "completed");
  expectSameModel(loadTrainingState(dir_ / "straight/last.pth").model, loadTrainingState(dir_ / "resumed/last.pth").model);

  // The image encoder's BatchNorm statistics stayed those of the start; the box encoder's trained.
  torch::manual_seed(deriveSeed(3, Stream::Init, {}));
  auto fresh = makeGazeModelForArch(kTinyArch);
  const auto trained = loadTrainingState(dir_ / "straight/last.pth").model;
  const auto start = stateDictOf(*fresh);
  EXPECT_TRUE(torch::equal(trained["encoder_img.stem.1.running_mean"], *start.find("encoder_img.stem.1.running_mean")));
  EXPECT_FALSE(torch::equal(trained["encoder_box.bn.running_mean"], *start.find("encoder_box.bn.running_mean")));
}

// The run's files as a kill -9 would leave them: copied from inside the sink, on the training thread.
void snapshotRunFolder(const std::string& from, const std::string& to) {
  std::filesystem::create_directories(to);
  for (const char* name : {"last.pth", "config.json", "metrics.jsonl"}) {
    std::filesystem::copy_file(from + "/" + name, to + "/" + name, std::filesystem::copy_options::overwrite_existing);
  }
}

std::string withoutTimings(const std::string& line) {
  std::string out = line;
  for (const char* key : {"\"samplesPerSecond\"", "\"trainSeconds\""}) {
    const auto at = out.find(key);
    if (at != std::string::npos) out = out.substr(0, at);
  }
  return out;
}

TEST_F(Trainer, PeriodicCheckpointsLetAKilledRunContinueExactly) {
  auto request = tinyRequest(dir_ / "straight");
  request.checkpointEvery = 3;
  const TrainedRun straight = train(request);
  ASSERT_EQ(straight.done.reason, "completed");
  const int64_t batches = straight.all<StartEvent>()[0].batchesPerEpoch;
  ASSERT_EQ(batches, 8);

  // Killed after step 13 of 16: the files on disk then hold the checkpoint of step 12 (epoch 2, batch 4),
  // the step lines up to step 10 and the first epoch's line.
  request.outDir = dir_ / "killed";
  train(request, [&](const TrainEvent& e) {
    const auto* step = std::get_if<StepEvent>(&e);
    if (step != nullptr && step->step == 13) snapshotRunFolder(dir_ / "killed", dir_ / "resumed");
    return false;
  });
  const auto atKill = loadTrainingState(dir_ / "resumed/last.pth");
  EXPECT_EQ(atKill.progress.step, 12);
  EXPECT_EQ(atKill.progress.epoch, 1);
  EXPECT_EQ(atKill.progress.batch, 4);
  EXPECT_EQ(atKill.progress.seen, 32);  // the epoch's running sums come along
  EXPECT_EQ(atKill.progress.logSteps, 2);  // steps 11 and 12, averaged into step 15's line
  // A kill in the middle of writing leaves a temp file and may cut a line of metrics.jsonl short.
  std::ofstream(dir_ / "resumed/last.pth.tmp-2147483647") << "PK half a zip";
  std::ofstream(dir_ / "resumed/metrics.jsonl", std::ios::app) << "{\"type\":\"step\",\"epoch\":2,\"st";

  auto resume = tinyRequest(dir_ / "resumed");
  resume.resume = true;
  resume.checkpointEvery.reset();  // kept from last.pth
  const TrainedRun resumed = train(resume);
  EXPECT_EQ(resumed.done.reason, "completed");
  EXPECT_EQ(resumed.all<StartEvent>()[0].startBatch, 4);
  EXPECT_FALSE(std::filesystem::exists(dir_ / "resumed/last.pth.tmp-2147483647"));

  const auto a = loadTrainingState(dir_ / "straight/last.pth");
  const auto b = loadTrainingState(dir_ / "resumed/last.pth");
  expectSameModel(a.model, b.model);
  const auto am = a.optimizer.toGenericDict().at("exp_avg_sq").toListRef();
  const auto bm = b.optimizer.toGenericDict().at("exp_avg_sq").toListRef();
  for (size_t i = 0; i < am.size(); ++i) EXPECT_TRUE(torch::equal(am[i].toTensor(), bm[i].toTensor()));
  expectSameModel(loadStateDictFile(dir_ / "straight/best.pth"), loadStateDictFile(dir_ / "resumed/best.pth"));
  // Every line of metrics.jsonl as the uninterrupted run wrote it, step lines' loss averages included.
  const auto la = lines(dir_ / "straight/metrics.jsonl"), lb = lines(dir_ / "resumed/metrics.jsonl");
  ASSERT_EQ(la.size(), lb.size());
  for (size_t i = 0; i < la.size(); ++i) EXPECT_EQ(withoutTimings(la[i]), withoutTimings(lb[i])) << i;
  EXPECT_EQ(b.progress.logSteps, a.progress.logSteps);
}

TEST_F(Trainer, ACheckpointWriteThatFailsKeepsThePreviousOneAndEndsTheRun) {
  auto request = tinyRequest(dir_ / "limited");
  request.epochs = 1;
  train(request);
  const std::string last = dir_ / "limited/last.pth";
  const auto size = std::filesystem::file_size(last);
  std::ifstream before(last, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(before)), std::istreambuf_iterator<char>());

  // A file-size limit below last.pth's size (SIGXFSZ is ignored by the trainer: the write gets EFBIG).
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &saved), 0);
  rlimit limited = saved;
  limited.rlim_cur = size / 2;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &limited), 0);
  request.resume = true;
  request.epochs = 2;
  request.checkpointEvery = 2;
  const std::string error = errorOf([&] { train(request); });
  ::setrlimit(RLIMIT_FSIZE, &saved);
  EXPECT_NE(error.find("cannot write the checkpoint: " + last + ": writing " + last + ".tmp-"), std::string::npos) << error;
  EXPECT_NE(error.find("File too large; the previous " + last + " (step 8) is unchanged"), std::string::npos) << error;

  std::ifstream after(last, std::ios::binary);
  EXPECT_TRUE(std::string((std::istreambuf_iterator<char>(after)), std::istreambuf_iterator<char>()) == bytes);
  for (const auto& entry : std::filesystem::directory_iterator(dir_ / "limited")) {
    EXPECT_EQ(entry.path().filename().string().find(".tmp-"), std::string::npos) << entry.path();
  }
  EXPECT_EQ(loadTrainingState(last).progress.step, 8);
}

TEST_F(Trainer, StopsEarlyWhenValidationAccuracyStopsImproving) {
  auto request = tinyRequest(dir_ / "early");
  request.lr = 1e-12;  // accuracy barely moves
  request.epochs = 8;
  request.earlyStopping = 1;
  const TrainedRun run = train(request);
  EXPECT_EQ(run.done.reason, "early-stopped");
  EXPECT_LT(run.done.epochs, 8);
  EXPECT_FALSE(run.all<EpochEvent>().back().isBest);
}

TEST_F(Trainer, AStopBeforeTheFirstStepStillLeavesAResumableCheckpoint) {
  const TrainedRun run = train(tinyRequest(dir_ / "stopped"), [](const TrainEvent& e) { return std::holds_alternative<StartEvent>(e); });
  EXPECT_EQ(run.done.reason, "aborted");
  EXPECT_EQ(run.done.steps, 0);
  EXPECT_EQ(run.done.bestCheckpoint, "");
  EXPECT_EQ(loadTrainingState(dir_ / "stopped/last.pth").progress.batch, 0);
}

// The weights a run starts from: last.pth of a run stopped before its first step.
StateDict startingWeights(const TrainRequest& request) {
  const TrainedRun run = train(request, [](const TrainEvent& e) { return std::holds_alternative<StartEvent>(e); });
  EXPECT_EQ(run.done.steps, 0);
  return loadTrainingState(request.outDir + "/last.pth").model;
}

TEST_F(Trainer, StartsFromImageNetWeightsOrAWholeCheckpoint) {
  const std::string backbone = (trainingFixtures() / "tiny_backbone.pth").string();
  auto pretrained = tinyRequest(dir_ / "pretrained");
  pretrained.pretrained = backbone;
  const StateDict fromImageNet = startingWeights(pretrained);
  const StateDict file = loadStateDictFile(backbone);
  for (const char* key : {"stem.0.weight", "trunk_output.block2.block2-1.f.se.fc1.bias", "trunk_output.block1.block1-0.f.b.1.running_var"}) {
    EXPECT_TRUE(torch::equal(fromImageNet[std::string("encoder_img.") + key], file[key])) << key;
  }
  EXPECT_EQ(fromImageNet["encoder_img.fc.weight"].size(0), 256);  // the 1000-class head is replaced

  auto init = tinyRequest(dir_ / "init");
  init.init = dir_ / "pretrained/last.pth";  // a whole GazeCodingModel (the "model" entry of a training state)
  expectSameModel(startingWeights(init), fromImageNet);

  auto wrongWay = tinyRequest(dir_ / "wrong");
  wrongWay.pretrained = dir_ / "pretrained/last.pth";
  EXPECT_NE(errorOf([&] { train(wrongWay); }).find("holds a whole GazeCodingModel; start from it with --init"), std::string::npos);
  wrongWay.pretrained.reset();
  wrongWay.init = backbone;
  EXPECT_NE(errorOf([&] { train(wrongWay); }).find("holds a bare torchvision backbone; load it with --pretrained"), std::string::npos);
}

TEST_F(Trainer, RunFoldersAreNeverOverwrittenAndResumeNeedsOne) {
  auto request = tinyRequest(dir_ / "guarded");
  request.epochs = 1;
  train(request);
  EXPECT_NE(errorOf([&] { train(request); }).find("already holds a run (last.pth); pass --resume"), std::string::npos);
  auto missing = tinyRequest(dir_ / "nothing");
  missing.resume = true;
  missing.arch.reset();
  EXPECT_NE(errorOf([&] { train(missing); }).find("--resume: " + dir_ / "nothing/last.pth" + " does not exist"), std::string::npos);
  auto changed = tinyRequest(dir_ / "guarded");
  changed.resume = true;
  changed.batchSize = 16;
  EXPECT_NE(errorOf([&] { train(changed); }).find("--batch-size 16 differs from the run being resumed (8)"), std::string::npos);
}

}  // namespace
}  // namespace gazecoder::train
