#include "gazecoder/train/trainer.h"

#include <torch/torch.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <new>

#include <unistd.h>

#include "gazecoder/checkpoint/checkpoint.h"
#include "gazecoder/checkpoint/state_dict.h"
#include "gazecoder/device.h"
#include "gazecoder/distributed/batch_shard.h"
#include "gazecoder/distributed/gradient_reducer.h"
#include "gazecoder/distributed/process_group.h"
#include "gazecoder/model.h"
#include "gazecoder/models/model_factory.h"
#include "gazecoder/models/regnet_spec.h"
#include "gazecoder/train/autocast.h"
#include "gazecoder/train/batch_loader.h"
#include "gazecoder/train/grad_scaler.h"
#include "gazecoder/train/random.h"
#include "gazecoder/train/training_state.h"
#include "json.h"
#include "run_files.h"

namespace gazecoder::train {
namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool isOutOfMemory(const std::string& message) {
  return message.find("out of memory") != std::string::npos ||
         message.find("can't allocate memory") != std::string::npos;
}

// Model weights as CPU tensors (a copy; the model keeps training).
StateDict cpuState(const torch::nn::Module& module) {
  StateDict cpu;
  for (const auto& item : stateDictOf(module)) {
    cpu.insert(item.key(), item.value().detach().to(torch::kCPU, /*non_blocking=*/false, /*copy=*/true).contiguous());
  }
  return cpu;
}

class Trainer {
 public:
  Trainer(const TrainRequest& request, const EventSink& sink, const std::atomic<bool>& stop)
      : request_(request), sink_(sink), stop_(stop) {}

  DoneEvent run() {
    setUp();
    try {
      while (progress_.epoch < config_.epochs) {
        if (!progress_.trainDone && !trainEpoch()) return finish("aborted");
        EpochEvent event;
        if (!validate(event)) return finish("aborted");
        endEpoch(event);
        if (config_.earlyStopping > 0 && progress_.epochsSinceBest >= config_.earlyStopping) return finish("early-stopped");
      }
    } catch (const std::exception& e) {
      // Keep the steps taken since the last checkpoint (best effort: the failure may recur). Every
      // collective comes before the optimizer step, so a failed one leaves a consistent state.
      // Not after a failed write: the writes of an epoch's end are then half done, and retrying a
      // write to a full disk only fails again.
      if (progress_.step == savedStep_ || !leader() || writeFailed_) throw;
      const auto original = std::current_exception();
      try {
        writeLast();
        savedStep_ = progress_.step;
      } catch (const std::exception&) {
        std::rethrow_exception(original);
      }
      const auto* torchError = dynamic_cast<const c10::Error*>(&e);
      throw std::runtime_error(std::string(torchError ? torchError->what_without_backtrace() : e.what()) + "\n" +
                               lastPath_ + " holds the run up to step " + std::to_string(progress_.step) +
                               "; continue it with --resume");
    }
    return finish("completed");
  }

 private:
  const TrainRequest& request_;
  const EventSink& sink_;
  const std::atomic<bool>& stop_;
  TrainConfig config_;
  torch::Device device_{torch::kCPU};
  Dataset dataset_;
  std::shared_ptr<GazeCodingModel> model_;
  std::unique_ptr<Optimizer> optimizer_;
  ReduceLrOnPlateau scheduler_;
  std::unique_ptr<GradScaler> scaler_;  // fp16 only
  // Data parallelism (a job of several processes): the group, the gradient buckets, and whether a
  // stop was agreed on (every rank must stop after the same step).
  std::shared_ptr<distributed::ProcessGroup> group_;
  std::unique_ptr<distributed::GradientReducer> reducer_;
  bool agreedStop_ = false;
  Progress progress_;
  int64_t batchesPerEpoch_ = 0;
  int64_t savedStep_ = -1;  // progress_.step of the last last.pth written or read
  bool lastOnDisk_ = false;  // last.pth exists (read on --resume, or written)
  bool writeFailed_ = false;  // a run-folder write failed: the last good last.pth is the run's state
  std::string lastPath_, bestPath_, metricsPath_, configPath_;
  double samplesPerSecond_ = 0;  // smoothed

  std::string file(const char* name) const { return (std::filesystem::path(config_.outDir) / name).string(); }

  // Rank 0 of a job, or the only process: it alone writes the run folder.
  bool leader() const { return !group_ || group_->rank() == 0; }
  bool stopRequested() const { return group_ ? agreedStop_ : stop_.load(); }

  // Sums `values` across the job and sets agreedStop_ when any rank's caller asked to stop.
  torch::Tensor sumWithStop(std::vector<double> values) {
    values.push_back(stop_.load() ? 1 : 0);
    auto t = torch::tensor(values, torch::kFloat64);
    group_->sum(t);
    agreedStop_ = t[static_cast<int64_t>(values.size()) - 1].item<double>() > 0;
    return t;
  }

  // DistributedDataParallel's broadcast_buffers: every rank runs with rank 0's BatchNorm statistics.
  void broadcastBuffers() {
    if (!group_) return;
    for (const auto& buffer : model_->buffers()) group_->broadcast(buffer);
  }

  void joinGroup() {
    const auto& job = *request_.distributed;
    distributed::GroupOptions o;
    o.rank = job.rank;
    o.worldSize = job.worldSize;
    o.masterAddr = job.masterAddr;
    o.masterPort = job.masterPort;
    o.timeout = std::chrono::milliseconds(std::max<int64_t>(job.timeoutSeconds, 1) * 1000);
    o.device = resolveDevice(request_.device.value_or("auto"));
    o.backend = distributed::backendFor(o.device);
    group_ = distributed::ProcessGroup::connect(o);
  }

  // Rank 0 checks the run folder and reads last.pth; the other ranks get its verdict and the bytes
  // (the run folder need not be shared between machines).
  std::optional<TrainingState> readResumeState(const std::string& lastPath) {
    std::string failure, bytes;
    std::exception_ptr error;
    std::optional<TrainingState> state;
    if (leader()) {
      try {
        if (request_.resume) {
          if (!std::filesystem::exists(lastPath)) {
            throw ConfigError("--resume: " + lastPath + " does not exist; start the run without --resume");
          }
          if (group_) {
            std::ifstream in(lastPath, std::ios::binary);
            bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
          }
          state = loadTrainingState(lastPath);  // a broken file fails here, on rank 0, for every rank
        } else if (std::filesystem::exists(lastPath)) {
          throw ConfigError("--out " + request_.outDir + " already holds a run (last.pth); pass --resume to continue it, or choose another --out");
        }
      } catch (const std::exception& e) {
        error = std::current_exception();
        const auto* torchError = dynamic_cast<const c10::Error*>(&e);
        failure = torchError ? torchError->what_without_backtrace() : e.what();
      }
    }
    if (group_) failure = group_->broadcastBytes(failure);
    if (error) std::rethrow_exception(error);
    if (!failure.empty()) throw ConfigError("rank 0: " + failure);
    if (!request_.resume || !group_) return state;
    bytes = group_->broadcastBytes(bytes);
    if (leader()) return state;
    const auto copy = std::filesystem::temp_directory_path() /
                      ("gazecoder-resume-" + std::to_string(::getpid()) + "-" + std::to_string(group_->rank()) + ".pth");
    {
      // Checked: with SIGXFSZ ignored (runTraining), a file-size limit would otherwise cut the copy short.
      std::ofstream out(copy, std::ios::binary);
      if (out) out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (out) out.close();
      if (!out) {
        const std::string reason = std::strerror(errno);
        std::filesystem::remove(copy);
        throw std::runtime_error("cannot write " + copy.string() + " (rank 0's " + lastPath + ", " + std::to_string(bytes.size()) +
                                 " bytes, to read it here): " + reason);
      }
    }
    try {
      state = loadTrainingState(copy.string());
      std::filesystem::remove(copy);
      return state;
    } catch (...) {
      std::filesystem::remove(copy);
      throw;
    }
  }

  std::optional<c10::ScalarType> autocastDtype() const {
    if (config_.amp == AmpMode::Float16) return torch::kFloat16;
    if (config_.amp == AmpMode::BFloat16) return torch::kBFloat16;
    return std::nullopt;
  }

  void setUp() {
    checkRequest(request_);
    const std::string lastPath = (std::filesystem::path(request_.outDir) / "last.pth").string();
    if (request_.distributed && request_.distributed->worldSize > 1) {
      resolveConfig(request_);  // bad flags fail here, before the rendezvous waits for the others
      joinGroup();
    }
    const std::optional<TrainingState> resumed = readResumeState(lastPath);
    config_ = resolveConfig(request_, resumed ? &resumed->config : nullptr);
    device_ = resolveDevice(config_.device);
    if (leader()) {
      std::filesystem::create_directories(config_.outDir);
      removeStaleTempFiles(config_.outDir);
    }
    lastPath_ = file("last.pth");
    bestPath_ = file("best.pth");
    metricsPath_ = file("metrics.jsonl");
    configPath_ = file("config.json");
    if (device_.is_cuda()) at::globalContext().setBenchmarkCuDNN(config_.cudnnBenchmark);

    dataset_ = Dataset::open(request_.videos, config_.imageSize, config_.samples);
    batchesPerEpoch_ = batchCount(static_cast<int64_t>(dataset_.train.size()), trainLoaderOptions());

    // The fresh model's weights depend on the seed only.
    torch::manual_seed(deriveSeed(config_.seed, Stream::Init, {}));
    model_ = makeGazeModelForArch(config_.arch, config_.samples.framesPerSample());
    const std::string name = config_.arch + " GazeCodingModel";
    if (!config_.pretrained.empty()) {
      const auto report = loadWeightsInto(*model_, nullptr, config_.pretrained, name);
      if (report.interpretedAs != "torchvision backbone") {
        throw ConfigError("--pretrained " + config_.pretrained + " holds a whole GazeCodingModel; start from it with --init");
      }
    }
    if (!config_.init.empty()) {
      const auto report = loadWeightsInto(*model_, nullptr, config_.init, name);
      if (report.interpretedAs != "checkpoint") {
        throw ConfigError("--init " + config_.init + " holds a bare torchvision backbone; load it with --pretrained");
      }
    }
    if (resumed) {
      const auto report = loadStateDict(*model_, resumed->model);
      if (!report.ok()) throw CheckpointError(lastPath_ + ": its model does not fit " + name + ":\n" + report.describeProblems());
    }
    model_->to(device_);
    if (group_) {
      // As DistributedDataParallel does: every rank starts from rank 0's weights.
      torch::NoGradGuard noGrad;
      for (const auto& parameter : model_->parameters()) group_->broadcast(parameter);
      broadcastBuffers();
    }
    if (config_.channelsLast) convertModel(*model_, torch::kFloat32, true);
    model_->train();

    optimizer_ = std::make_unique<Optimizer>(model_->parameters(), config_.optimizer);
    if (group_) reducer_ = std::make_unique<distributed::GradientReducer>(group_, optimizer_->params());
    scheduler_ = ReduceLrOnPlateau(config_.plateau);
    if (config_.amp == AmpMode::Float16) scaler_ = std::make_unique<GradScaler>(device_);
    if (resumed) {
      optimizer_->loadState(resumed->optimizer);
      scheduler_.loadState(resumed->scheduler);
      if (scaler_ && !resumed->scaler.isNone()) scaler_->loadState(resumed->scaler);
      progress_ = resumed->progress;
      savedStep_ = progress_.step;
      lastOnDisk_ = true;
      if (leader()) truncateMetrics(metricsPath_, progress_.step, progress_.epoch);
    }
    if (!resumed) {
      savedStep_ = 0;  // nothing to keep before the first step
      // Lines of a run killed before its first checkpoint, which this run redoes.
      if (leader()) std::filesystem::remove(metricsPath_);
    }
    if (leader()) writeConfig();
    emitStart(resumed.has_value());
  }

  LoaderOptions trainLoaderOptions() const {
    LoaderOptions o;
    o.batchSize = config_.batchSize;
    o.shuffle = true;
    o.seed = config_.seed;
    o.epoch = progress_.epoch;
    o.transform.colorJitter = true;
    o.transform.jitter = config_.jitter;
    o.transform.horizontalFlip = config_.horizontalFlip;
    o.workers = static_cast<int>(config_.workers);
    o.pinMemory = device_.is_cuda();
    shard(o);
    return o;
  }

  void shard(LoaderOptions& o) const {
    if (!group_) return;
    o.shardIndex = group_->rank();
    o.shardCount = group_->size();
  }

  void writeConfig() {
    const auto train = Dataset::classCounts(dataset_.train);
    const auto val = Dataset::classCounts(dataset_.val);
    int64_t trainVideos = 0;
    for (const auto& video : dataset_.videos) trainVideos += video.split == Split::Train;
    json::Object data;
    data.integer("trainVideos", trainVideos)
        .integer("valVideos", static_cast<int64_t>(dataset_.videos.size()) - trainVideos)
        .integer("trainWindows", static_cast<int64_t>(dataset_.train.size()))
        .integer("valWindows", static_cast<int64_t>(dataset_.val.size()))
        .raw("trainClassCounts", json::array(train))
        .raw("valClassCounts", json::array(val))
        .integer("batchesPerEpoch", batchesPerEpoch_);
    json::Object extra;
    extra.raw("data", data.str()).string("torchVersion", TORCH_VERSION);
    writeTextAtomically(configPath_, config_.toJson(extra.members()) + "\n");
  }

  void emitStart(bool resumed) {
    StartEvent e;
    e.device = config_.device;
    e.arch = config_.arch;
    e.amp = ampName(config_.amp);
    e.channelsLast = config_.channelsLast;
    for (const auto& p : model_->parameters()) e.parameterCount += p.numel();
    for (const auto& video : dataset_.videos) (video.split == Split::Train ? e.trainVideos : e.valVideos) += 1;
    e.trainWindows = static_cast<int64_t>(dataset_.train.size());
    e.valWindows = static_cast<int64_t>(dataset_.val.size());
    const auto train = Dataset::classCounts(dataset_.train);
    const auto val = Dataset::classCounts(dataset_.val);
    for (size_t c = 0; c < 3; ++c) {
      e.trainClassCounts[c] = train[c];
      e.valClassCounts[c] = val[c];
    }
    e.batchesPerEpoch = batchesPerEpoch_;
    e.epochs = config_.epochs;
    e.startEpoch = progress_.epoch + 1;
    e.startBatch = resumed ? progress_.batch : 0;
    e.workers = config_.workers;
    e.configPath = configPath_;
    e.rank = group_ ? group_->rank() : 0;
    e.worldSize = group_ ? group_->size() : 1;
    e.backend = config_.backend;
    sink_(e);
  }

  // images B×N×3×H×W, boxes B×N×5 -> B×3, with the crops in channels_last when asked.
  torch::Tensor forward(const torch::Tensor& images, const torch::Tensor& boxes) {
    const int64_t batch = images.size(0), frames = images.size(1);
    auto crops = images.flatten(0, 1);
    if (config_.channelsLast) crops = crops.contiguous(at::MemoryFormat::ChannelsLast);
    const auto embeddings = model_->encodeImages(crops).view({batch, frames, GazeCodingModel::kEmbeddingWidth});
    return model_->predictFromEmbeddings(embeddings, boxes);
  }

  struct StepResult {
    double loss;      // mean over the (global) batch
    int64_t correct;  // of the global batch
    bool skipped;
  };

  StepResult trainStep(const Batch& batch) {
    // Dropout draws from LibTorch's global generator: seeding it per step makes a resumed run draw
    // what the uninterrupted one drew.
    torch::manual_seed(deriveSeed(config_.seed, Stream::Dropout, {static_cast<uint64_t>(progress_.step)}));
    broadcastBuffers();
    const bool nonBlocking = device_.is_cuda();
    const auto images = batch.images.to(device_, nonBlocking);
    const auto boxes = batch.boxes.to(device_, nonBlocking);
    const auto labels = batch.labels.to(device_, nonBlocking);
    torch::Tensor logits, loss;
    {
      AutocastScope autocast(device_.type(), autocastDtype());
      const distributed::BatchShard shard{batch.offset, batch.labels.size(0), batch.globalSize,
                                          config_.syncBatchNorm ? group_ : nullptr};
      distributed::BatchShardScope shardScope(group_ ? &shard : nullptr);
      logits = forward(images, boxes);
      // Each rank's share of the global batch's mean loss: summed gradients then equal one process's.
      loss = group_ ? torch::nn::functional::cross_entropy(
                          logits.to(torch::kFloat32), labels,
                          torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum)) /
                          static_cast<double>(batch.globalSize)
                    : torch::nn::functional::cross_entropy(logits.to(torch::kFloat32), labels);
    }
    optimizer_->zeroGrad();
    if (reducer_) reducer_->prepare();
    bool skipped = false;
    const auto backward = [&](const torch::Tensor& value) {
      value.backward();
      if (reducer_) reducer_->finish();
    };
    // Read back (a device sync) only once the step's work is queued.
    const auto lossValue = loss.detach();
    const auto correct = logits.detach().argmax(1).eq(labels).sum();
    if (scaler_) {
      backward(scaler_->scale(loss));
      std::vector<torch::Tensor> grads;
      for (const auto& p : optimizer_->params()) grads.push_back(p.grad());
      skipped = scaler_->unscale(grads);
    } else {
      backward(loss);
    }
    // A job's totals are summed before the optimizer step, so a failed collective leaves the step untaken.
    const auto totals = group_ ? sumWithStop({lossValue.item<double>(), correct.item<double>()}) : torch::Tensor();
    if (!skipped) optimizer_->step();
    if (scaler_) scaler_->update(skipped);
    if (group_) return {totals[0].item<double>(), static_cast<int64_t>(totals[1].item<double>()), skipped};
    return {lossValue.item<double>(), correct.item<int64_t>(), skipped};
  }

  // Runs `fn`, turning an allocation failure into a message that names the batch size.
  template <typename Fn>
  auto guardMemory(const char* phase, Fn&& fn) -> decltype(fn()) {
    const auto fail = [&](const std::string& detail) {
      return std::runtime_error(std::string("out of memory during ") + phase + " at --batch-size " +
                                std::to_string(config_.batchSize) + " on " + config_.device + " (" + config_.arch +
                                ", amp " + ampName(config_.amp) + "); try a smaller --batch-size, e.g. " +
                                std::to_string(std::max<int64_t>(1, config_.batchSize / 2)) + ". " + detail);
    };
    try {
      return fn();
    } catch (const c10::Error& e) {
      if (isOutOfMemory(e.what_without_backtrace())) throw fail(e.what_without_backtrace());
      throw;
    } catch (const std::bad_alloc&) {
      throw fail("(std::bad_alloc)");
    }
  }

  // Trains the rest of the current epoch; false when stopped (a checkpoint is then written).
  bool trainEpoch() {
    BatchLoader loader(dataset_, dataset_.train, trainLoaderOptions(), progress_.batch);
    model_->train();
    const auto epochStart = Clock::now();
    const double secondsBefore = progress_.trainSeconds;
    auto last = Clock::now();
    std::optional<Batch> batch;
    while (!stopRequested() && (batch = loader.next())) {
      const StepResult result = guardMemory("training", [&] { return trainStep(*batch); });
      const int64_t size = batch->globalSize;
      ++progress_.step;
      progress_.batch = batch->index + 1;
      progress_.lossSum += result.loss * static_cast<double>(size);
      progress_.correct += result.correct;
      progress_.seen += size;
      progress_.trainSeconds = secondsBefore + secondsSince(epochStart);
      const double seconds = secondsSince(last);
      last = Clock::now();
      const double rate = static_cast<double>(size) / std::max(seconds, 1e-9);
      samplesPerSecond_ = samplesPerSecond_ == 0 ? rate : 0.8 * samplesPerSecond_ + 0.2 * rate;
      emitStep(result, batch->index + 1);
      // A periodic mid-epoch checkpoint, so that a killed run loses at most checkpointEvery steps. Not
      // after the epoch's last batch: the epoch's end writes one after validation anyway.
      if (config_.checkpointEvery > 0 && progress_.step % config_.checkpointEvery == 0 &&
          progress_.batch < loader.batches()) {
        saveLast();
      }
    }
    if (progress_.batch < loader.batches()) {
      saveLast();
      return false;
    }
    progress_.trainDone = true;
    return true;
  }

  void emitStep(const StepResult& result, int64_t batchNumber) {
    StepEvent e;
    e.epoch = progress_.epoch + 1;
    e.step = progress_.step;
    e.batch = batchNumber;
    e.batches = batchesPerEpoch_;
    e.loss = result.loss;
    e.lr = optimizer_->lr();
    e.samplesPerSecond = samplesPerSecond_;
    e.stepsPerSecond = samplesPerSecond_ / static_cast<double>(config_.batchSize);
    if (scaler_) e.lossScale = scaler_->scaleValue();
    e.skipped = result.skipped;
    progress_.logLossSum += result.loss;
    ++progress_.logSteps;
    if (progress_.step % config_.logEvery == 0) {
      json::Object line;
      line.string("type", "step").integer("epoch", e.epoch).integer("step", e.step).integer("batch", e.batch)
          .number("loss", progress_.logLossSum / static_cast<double>(progress_.logSteps)).number("lr", e.lr)
          .number("samplesPerSecond", e.samplesPerSecond);
      if (leader()) appendLine(metricsPath_, line.str());
      progress_.logLossSum = 0;
      progress_.logSteps = 0;
    }
    sink_(e);
  }

  // Validation loss, accuracy, per-class accuracy and confusion; false when stopped.
  bool validate(EpochEvent& e) {
    LoaderOptions o;
    o.batchSize = config_.batchSize;
    o.workers = static_cast<int>(config_.workers);
    o.pinMemory = device_.is_cuda();
    o.dropLastSingle = false;  // eval-mode BatchNorm takes a batch of one
    shard(o);
    BatchLoader loader(dataset_, dataset_.val, o);
    const auto start = Clock::now();
    broadcastBuffers();
    model_->eval();
    torch::NoGradGuard noGrad;
    double lossSum = 0;
    int64_t seen = 0, batches = 0;
    std::optional<Batch> batch;
    while (!stopRequested() && (batch = loader.next())) {
      ++batches;
      if (group_) sumWithStop({});
      if (batch->labels.size(0) == 0) continue;  // a shard of a batch smaller than the job
      guardMemory("validation", [&] {
        const auto images = batch->images.to(device_, device_.is_cuda());
        const auto boxes = batch->boxes.to(device_, device_.is_cuda());
        const auto labels = batch->labels.to(device_, device_.is_cuda());
        torch::Tensor logits;
        {
          AutocastScope autocast(device_.type(), autocastDtype());
          logits = forward(images, boxes).to(torch::kFloat32);
        }
        lossSum += torch::nn::functional::cross_entropy(
                       logits, labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                       .item<double>();
        const auto predicted = logits.argmax(1).to(torch::kCPU).contiguous();
        const int64_t* p = predicted.data_ptr<int64_t>();
        const int64_t* t = batch->labels.data_ptr<int64_t>();
        for (int64_t i = 0; i < batch->labels.size(0); ++i) ++e.valConfusion[t[i]][p[i]];
        return 0;
      });
      seen += batch->labels.size(0);
    }
    model_->train();
    if (batches < loader.batches()) {
      saveLast();  // progress says: training of this epoch done, validation to redo
      return false;
    }
    if (group_) {
      std::vector<double> totals{lossSum, static_cast<double>(seen)};
      for (const auto& row : e.valConfusion) totals.insert(totals.end(), row.begin(), row.end());
      const auto summed = sumWithStop(totals);
      lossSum = summed[0].item<double>();
      seen = static_cast<int64_t>(summed[1].item<double>());
      for (size_t t = 0; t < 3; ++t) {
        for (size_t p = 0; p < 3; ++p) e.valConfusion[t][p] = static_cast<int64_t>(summed[2 + t * 3 + p].item<double>());
      }
    }
    int64_t correct = 0;
    for (size_t c = 0; c < 3; ++c) {
      int64_t count = 0;
      for (size_t p = 0; p < 3; ++p) count += e.valConfusion[c][p];
      correct += e.valConfusion[c][c];
      if (count > 0) e.valClassAccuracy[c] = static_cast<double>(e.valConfusion[c][c]) / static_cast<double>(count);
    }
    e.valLoss = lossSum / static_cast<double>(seen);
    e.valAccuracy = static_cast<double>(correct) / static_cast<double>(seen);
    e.valSeconds = secondsSince(start);
    return true;
  }

  void endEpoch(EpochEvent& e) {
    e.epoch = progress_.epoch + 1;
    e.step = progress_.step;
    e.trainLoss = progress_.lossSum / static_cast<double>(std::max<int64_t>(progress_.seen, 1));
    e.trainAccuracy = static_cast<double>(progress_.correct) / static_cast<double>(std::max<int64_t>(progress_.seen, 1));
    e.trainSeconds = progress_.trainSeconds;
    e.samplesPerSecond = static_cast<double>(progress_.seen) / std::max(progress_.trainSeconds, 1e-9);
    optimizer_->setLr(scheduler_.step(e.valLoss, optimizer_->lr()));
    e.lr = optimizer_->lr();
    e.isBest = e.valAccuracy > progress_.bestAccuracy;
    if (e.isBest) {
      progress_.bestEpoch = progress_.epoch;
      progress_.bestAccuracy = e.valAccuracy;
      progress_.epochsSinceBest = 0;
    } else {
      ++progress_.epochsSinceBest;
    }
    e.bestEpoch = progress_.bestEpoch + 1;
    e.bestValAccuracy = progress_.bestAccuracy;
    e.lastCheckpoint = lastPath_;
    e.bestCheckpoint = bestPath_;
    progress_ = nextEpoch(progress_);
    // metrics.jsonl first: a crash before the checkpoints makes --resume redo (and re-log) the epoch.
    leaderWrites([&] {
      appendLine(metricsPath_, epochLine(e));
      if (e.isBest) saveStateDictFile(bestPath_, cpuState(*model_));
      writeLast();
    });
    savedStep_ = progress_.step;
    sink_(e);
  }

  static Progress nextEpoch(Progress p) {
    p.epoch += 1;
    p.batch = 0;
    p.trainDone = false;
    p.lossSum = 0;
    p.correct = 0;
    p.seen = 0;
    p.trainSeconds = 0;
    return p;
  }

  static std::string epochLine(const EpochEvent& e) {
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
    return line.str();
  }

  // Writes last.pth (rank 0 only; no collective, so that it also serves after a failed one). A failed
  // write leaves the previous last.pth as it was: savePickled writes a temp file and renames it.
  void writeLast() {
    if (!leader()) return;
    TrainingState state;
    state.model = cpuState(*model_);
    state.optimizer = optimizer_->state();
    state.scheduler = scheduler_.state();
    state.scaler = scaler_ ? scaler_->state() : c10::IValue();
    state.config = config_.toIValue();
    state.progress = progress_;
    try {
      saveTrainingState(lastPath_, state);
    } catch (const std::exception& e) {
      const std::string before = lastOnDisk_ ? "the previous " + lastPath_ + " (step " + std::to_string(savedStep_) + ") is unchanged"
                                             : "no checkpoint of this run exists yet";
      throw std::runtime_error(std::string("cannot write the checkpoint: ") + e.what() + "; " + before);
    }
    lastOnDisk_ = true;
  }

  // writeLast, with every rank of a job learning whether rank 0's write worked, so that a failed write
  // ends them all with its message (rather than leaving them waiting for rank 0 at the next collective).
  void saveLast() {
    leaderWrites([&] { writeLast(); });
    savedStep_ = progress_.step;
  }

  template <typename Fn>
  void leaderWrites(Fn&& write) {
    std::string failure;
    std::exception_ptr error;
    if (leader()) {
      try {
        write();
      } catch (const std::exception& e) {
        error = std::current_exception();
        const auto* torchError = dynamic_cast<const c10::Error*>(&e);
        failure = torchError ? torchError->what_without_backtrace() : e.what();
        if (failure.empty()) failure = "write failed";
      }
    }
    if (group_) failure = group_->broadcastBytes(failure);
    writeFailed_ = !failure.empty();
    if (error) std::rethrow_exception(error);
    if (!failure.empty()) throw std::runtime_error("rank 0: " + failure);
  }

  DoneEvent finish(const std::string& reason) {
    DoneEvent e;
    e.reason = reason;
    e.epochs = progress_.epoch;
    e.steps = progress_.step;
    e.bestEpoch = progress_.bestEpoch + 1;
    e.bestValAccuracy = progress_.bestEpoch >= 0 ? progress_.bestAccuracy : 0;
    e.lastCheckpoint = lastPath_;
    e.bestCheckpoint = progress_.bestEpoch >= 0 ? bestPath_ : "";
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
