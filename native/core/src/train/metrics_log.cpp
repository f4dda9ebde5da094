#include "metrics_log.h"

#include <torch/torch.h>

#include <filesystem>

#include "json.h"
#include "run_files.h"

namespace gazecoder::train {

MetricsLog::MetricsLog(const TrainingRun& run, const EventSink& sink)
    : run_(run), sink_(sink),
      metricsPath_((std::filesystem::path(run.config.outDir) / "metrics.jsonl").string()),
      configPath_((std::filesystem::path(run.config.outDir) / "config.json").string()) {}

void MetricsLog::startFresh() {
  if (run_.job->leader()) std::filesystem::remove(metricsPath_);
}

void MetricsLog::resumeAt(const Progress& progress) {
  if (run_.job->leader()) truncateMetrics(metricsPath_, progress.step, progress.epoch);
}

void MetricsLog::writeConfig() {
  const auto& dataset = run_.dataset;
  const auto train = Dataset::classCounts(dataset.train);
  const auto val = Dataset::classCounts(dataset.val);
  int64_t trainVideos = 0;
  for (const auto& video : dataset.videos) trainVideos += video.split == Split::Train;
  json::Object data;
  data.integer("trainVideos", trainVideos)
      .integer("valVideos", static_cast<int64_t>(dataset.videos.size()) - trainVideos)
      .integer("trainWindows", static_cast<int64_t>(dataset.train.size()))
      .integer("valWindows", static_cast<int64_t>(dataset.val.size()))
      .raw("trainClassCounts", json::array(train))
      .raw("valClassCounts", json::array(val))
      .integer("batchesPerEpoch", run_.batchesPerEpoch);
  json::Object extra;
  extra.raw("data", data.str()).string("torchVersion", TORCH_VERSION);
  writeTextAtomically(configPath_, run_.config.toJson(extra.members()) + "\n");
}

void MetricsLog::start(bool resumed) {
  if (run_.job->leader()) writeConfig();
  const auto& config = run_.config;
  const auto& dataset = run_.dataset;
  StartEvent e;
  e.device = config.device;
  e.arch = config.arch;
  e.amp = ampName(config.amp);
  e.channelsLast = config.channelsLast;
  for (const auto& p : run_.model->parameters()) e.parameterCount += p.numel();
  for (const auto& video : dataset.videos) (video.split == Split::Train ? e.trainVideos : e.valVideos) += 1;
  e.trainWindows = static_cast<int64_t>(dataset.train.size());
  e.valWindows = static_cast<int64_t>(dataset.val.size());
  const auto train = Dataset::classCounts(dataset.train);
  const auto val = Dataset::classCounts(dataset.val);
  for (size_t c = 0; c < 3; ++c) {
    e.trainClassCounts[c] = train[c];
    e.valClassCounts[c] = val[c];
  }
  e.batchesPerEpoch = run_.batchesPerEpoch;
  e.epochs = config.epochs;
  e.startEpoch = run_.progress.epoch + 1;
  e.startBatch = resumed ? run_.progress.batch : 0;
  e.workers = config.workers;
  e.configPath = configPath_;
  e.rank = run_.job->rank();
  e.worldSize = run_.job->size();
  e.backend = config.backend;
  sink_(e);
}

void MetricsLog::step(const StepEvent& e, Progress& progress) {
  progress.logLossSum += e.loss;
  ++progress.logSteps;
  if (progress.step % run_.config.logEvery == 0) {
    json::Object line;
    line.string("type", "step").integer("epoch", e.epoch).integer("step", e.step).integer("batch", e.batch)
        .number("loss", progress.logLossSum / static_cast<double>(progress.logSteps)).number("lr", e.lr)
        .number("samplesPerSecond", e.samplesPerSecond);
    if (run_.job->leader()) appendLine(metricsPath_, line.str());
    progress.logLossSum = 0;
    progress.logSteps = 0;
  }
  sink_(e);
}

void MetricsLog::epochLine(const EpochEvent& e) {
  std::vector<std::string> perClass, confusion;
  for (size_t c = 0; c < 3; ++c) {
    perClass.push_back(json::number(e.valClassAccuracy[c]));
    confusion.push_back(json::array(std::vector<int64_t>(e.valConfusion[c].begin(), e.valConfusion[c].end())));
  }
  json::Object line;
  line.string("type", "epoch").integer("epoch", e.epoch).integer("step", e.step)
      .number("trainLoss", e.trainLoss).number("trainAccuracy", e.trainAccuracy)
      .number("valLoss", e.valLoss).number("valAccuracy", e.valAccuracy)
      .raw("valClassAccuracy", json::array(perClass)).raw("valConfusion", json::array(confusion))
      .number("lr", e.lr).boolean("isBest", e.isBest).integer("bestEpoch", e.bestEpoch)
      .number("bestValAccuracy", e.bestValAccuracy).number("trainSeconds", e.trainSeconds)
      .number("valSeconds", e.valSeconds).number("samplesPerSecond", e.samplesPerSecond);
  appendLine(metricsPath_, line.str());
}

}  // namespace gazecoder::train
