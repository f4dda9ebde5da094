// The training recipe, read as torchvision's references/classification/train.py: set up (the job,
// the run folder, the data, the model, the optimizer), then for each epoch train, validate, pick up
// the learning rate and the best epoch, checkpoint and log, and stop early when validation stops
// improving. The parts: train_one_epoch.cpp, evaluate.cpp, checkpointer.cpp, metrics_log.cpp, and
// agreement.cpp (one process, or the ranks of a data-parallel job).
#include "gazecoder/train/trainer.h"

#include <torch/torch.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <memory>
#include <optional>

#include "checkpointer.h"
#include "evaluate.h"
#include "gazecoder/device.h"
#include "gazecoder/model.h"
#include "gazecoder/models/model_factory.h"
#include "gazecoder/models/regnet_spec.h"
#include "gazecoder/train/random.h"
#include "metrics_log.h"
#include "run_files.h"
#include "train_one_epoch.h"
#include "training_run.h"

namespace gazecoder::train {
namespace {

class Trainer {
 public:
  Trainer(const TrainRequest& request, const EventSink& sink, const std::atomic<bool>& stop)
      : request_(request), sink_(sink), stop_(stop) {}

  DoneEvent run() {
    setUp();
    try {
      while (run_.progress.epoch < run_.config.epochs) {
        if (!run_.progress.trainDone && !trainOneEpoch(run_, *checkpointer_, *log_)) return finish("aborted");
        EpochEvent epoch;
        if (!evaluate(run_, *checkpointer_, epoch)) return finish("aborted");
        endEpoch(epoch);
        checkpointer_->saveEpochEnd(epoch.isBest, [&] { log_->epochLine(epoch); });
        sink_(epoch);
        if (run_.config.earlyStopping > 0 && run_.progress.epochsSinceBest >= run_.config.earlyStopping) {
          return finish("early-stopped");
        }
      }
    } catch (const std::exception& e) {
      checkpointer_->rethrowKeepingSteps(e);
    }
    return finish("completed");
  }

 private:
  const TrainRequest& request_;
  const EventSink& sink_;
  const std::atomic<bool>& stop_;
  TrainingRun run_;
  std::optional<Checkpointer> checkpointer_;
  std::optional<MetricsLog> log_;

  std::string file(const char* name) const { return (std::filesystem::path(run_.config.outDir) / name).string(); }

  void setUp() {
    checkRequest(request_);
    if (request_.distributed && request_.distributed->worldSize > 1) {
      resolveConfig(request_);  // bad flags fail here, before the rendezvous waits for the others
      run_.job = joinJob(*request_.distributed, request_.device.value_or("auto"), stop_);
    } else {
      run_.job = singleProcess(stop_);
    }
    const std::optional<TrainingState> resumed = readResumeState(request_, *run_.job);
    run_.config = resolveConfig(request_, resumed ? &resumed->config : nullptr);
    run_.device = resolveDevice(run_.config.device);
    if (run_.job->leader()) {
      std::filesystem::create_directories(run_.config.outDir);
      removeStaleTempFiles(run_.config.outDir);
    }
    if (run_.device.is_cuda()) at::globalContext().setBenchmarkCuDNN(run_.config.cudnnBenchmark);

    run_.dataset = Dataset::open(request_.videos, run_.config.imageSize, run_.config.samples);
    run_.batchesPerEpoch = batchCount(static_cast<int64_t>(run_.dataset.train.size()), run_.trainLoaderOptions());
    setUpModel(resumed ? &resumed->model : nullptr);
    setUpOptimizer();
    if (resumed) {
      run_.optimizer->loadState(resumed->optimizer);
      run_.scheduler.loadState(resumed->scheduler);
      if (run_.scaler && !resumed->scaler.isNone()) run_.scaler->loadState(resumed->scaler);
      run_.progress = resumed->progress;
    }
    checkpointer_.emplace(run_, file("last.pth"), file("best.pth"),
                          resumed ? std::optional<int64_t>(run_.progress.step) : std::nullopt);
    log_.emplace(run_, sink_);
    if (resumed) {
      log_->resumeAt(run_.progress);
    } else {
      log_->startFresh();
    }
    log_->start(resumed.has_value());
  }

  // The model: fresh (its weights depend on the seed only), from --pretrained or --init weights, or
  // the resumed run's; every rank of a job starts from rank 0's.
  void setUpModel(const StateDict* resumedWeights) {
    const auto& config = run_.config;
    torch::manual_seed(deriveSeed(config.seed, Stream::Init, {}));
    run_.model = makeGazeModelForArch(config.arch, config.samples.framesPerSample());
    auto& model = *run_.model;
    const std::string name = config.arch + " GazeCodingModel";
    if (!config.pretrained.empty()) {
      const auto report = loadWeightsInto(model, nullptr, config.pretrained, name);
      if (report.interpretedAs != "torchvision backbone") {
        throw ConfigError("--pretrained " + config.pretrained + " holds a whole GazeCodingModel; start from it with --init");
      }
    }
    if (!config.init.empty()) {
      const auto report = loadWeightsInto(model, nullptr, config.init, name);
      if (report.interpretedAs != "checkpoint") {
        throw ConfigError("--init " + config.init + " holds a bare torchvision backbone; load it with --pretrained");
      }
    }
    if (resumedWeights) {
      const auto report = loadStateDict(model, *resumedWeights);
      if (!report.ok()) throw CheckpointError(file("last.pth") + ": its model does not fit " + name + ":\n" + report.describeProblems());
    }
    model.to(run_.device);
    {
      // As DistributedDataParallel does: every rank starts from rank 0's weights.
      torch::NoGradGuard noGrad;
      run_.job->broadcast(model.parameters());
      run_.broadcastBuffers();
    }
    if (config.channelsLast) convertModel(model, torch::kFloat32, true);
    model.train();
  }

  void setUpOptimizer() {
    run_.optimizer = std::make_unique<Optimizer>(run_.model->parameters(), run_.config.optimizer);
    if (auto group = run_.job->group()) {
      run_.reducer = std::make_unique<distributed::GradientReducer>(group, run_.optimizer->params());
    }
    run_.scheduler = ReduceLrOnPlateau(run_.config.plateau);
    if (run_.config.amp == AmpMode::Float16) run_.scaler = std::make_unique<GradScaler>(run_.device);
    run_.step = std::make_unique<TrainStep>(*run_.model, *run_.optimizer, run_.autocastDtype(), run_.config.channelsLast,
                                            run_.scaler.get(), run_.reducer.get());
  }

  // The epoch's training figures, the learning rate for the next one, and the best epoch so far;
  // progress then stands at the next epoch.
  void endEpoch(EpochEvent& e) {
    auto& progress = run_.progress;
    e.epoch = progress.epoch + 1;
    e.step = progress.step;
    e.trainLoss = progress.lossSum / static_cast<double>(std::max<int64_t>(progress.seen, 1));
    e.trainAccuracy = static_cast<double>(progress.correct) / static_cast<double>(std::max<int64_t>(progress.seen, 1));
    e.trainSeconds = progress.trainSeconds;
    e.samplesPerSecond = static_cast<double>(progress.seen) / std::max(progress.trainSeconds, 1e-9);
    run_.optimizer->setLr(run_.scheduler.step(e.valLoss, run_.optimizer->lr()));
    e.lr = run_.optimizer->lr();
    e.isBest = e.valAccuracy > progress.bestAccuracy;
    if (e.isBest) {
      progress.bestEpoch = progress.epoch;
      progress.bestAccuracy = e.valAccuracy;
      progress.epochsSinceBest = 0;
    } else {
      ++progress.epochsSinceBest;
    }
    e.bestEpoch = progress.bestEpoch + 1;
    e.bestValAccuracy = progress.bestAccuracy;
    e.lastCheckpoint = checkpointer_->lastPath();
    e.bestCheckpoint = checkpointer_->bestPath();
    progress.epoch += 1;
    progress.batch = 0;
    progress.trainDone = false;
    progress.lossSum = 0;
    progress.correct = 0;
    progress.seen = 0;
    progress.trainSeconds = 0;
  }

  DoneEvent finish(const std::string& reason) {
    const auto& progress = run_.progress;
    DoneEvent e;
    e.reason = reason;
    e.epochs = progress.epoch;
    e.steps = progress.step;
    e.bestEpoch = progress.bestEpoch + 1;
    e.bestValAccuracy = progress.bestEpoch >= 0 ? progress.bestAccuracy : 0;
    e.lastCheckpoint = checkpointer_->lastPath();
    e.bestCheckpoint = progress.bestEpoch >= 0 ? checkpointer_->bestPath() : "";
    sink_(e);
    return e;
  }
};

}  // namespace

DoneEvent runTraining(const TrainRequest& request, const EventSink& sink, const std::atomic<bool>& stop) {
  // A write past the file-size limit (ulimit -f) then fails with EFBIG, which the checkpoint writer
  // reports, instead of SIGXFSZ killing the process with the run's last steps unsaved.
  std::signal(SIGXFSZ, SIG_IGN);
  Trainer trainer(request, sink, stop);
  return trainer.run();
}

}  // namespace gazecoder::train
