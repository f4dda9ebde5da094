#include "gazecoder/train/train_config.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "gazecoder/device.h"
#include "gazecoder/distributed/process_group.h"
#include "gazecoder/models/model_factory.h"
#include "gazecoder/models/regnet_spec.h"
#include "gazecoder/runtime.h"
#include "gazecoder/train/sample_transform.h"
#include "ivalue.h"
#include "json.h"

namespace gazecoder::train {
namespace {

using OptKind = OptimizerOptions::Kind;

OptKind parseOptimizer(const std::string& name) {
  if (name == "adam") return OptKind::Adam;
  if (name == "sgd") return OptKind::Sgd;
  throw ConfigError("--optimizer must be adam or sgd, got '" + name + "'");
}

AmpMode parseAmp(const std::string& name) {
  if (name == "off") return AmpMode::Off;
  if (name == "fp16") return AmpMode::Float16;
  if (name == "bf16") return AmpMode::BFloat16;
  throw ConfigError("--amp must be fp16, bf16 or off, got '" + name + "'");
}

void checkArch(const std::string& arch) {
  try {
    if (parseRegNetSpec(arch)) return;
  } catch (const c10::Error& e) {
    throw ConfigError("--arch: " + std::string(e.what_without_backtrace()));
  }
  const auto known = listArchitectures();
  if (std::find(known.begin(), known.end(), arch) != known.end()) return;
  std::string list;
  for (const auto& name : known) list += (list.empty() ? "" : ", ") + name;
  throw ConfigError("--arch: unknown architecture '" + arch + "'; known: " + list +
                    ", or a custom RegNet such as regnet:depth=5,w0=16,wa=12,wm=2,group=8,se=0.25");
}

// A setting from the request, else (resuming) the stored run's, else the default. On resume a
// request that contradicts the stored value of a setting that shapes the run's numbers is an error.
class Resolver {
 public:
  explicit Resolver(const c10::IValue* stored) {
    if (stored != nullptr) stored_ = ivalue::asDict(*stored, "the checkpoint's config");
  }

  template <typename T>
  T pick(const std::optional<T>& asked, const char* key, const char* flag, T fallback, bool mustMatch) {
    std::optional<T> before;
    if (stored_ && ivalue::has(*stored_, key)) before = read<T>(key);
    if (asked && before && mustMatch && !(*asked == *before)) {
      throw ConfigError(std::string(flag) + " " + text(*asked) + " differs from the run being resumed (" +
                        text(*before) + "); leave it out to keep the run's setting, or start a new run");
    }
    if (asked) return *asked;
    return before ? *before : fallback;
  }

 private:
  std::optional<ivalue::Dict> stored_;

  template <typename T>
  T read(const char* key) const {
    const std::string what = "the checkpoint's config";
    if constexpr (std::is_same_v<T, std::string>) return ivalue::getString(*stored_, key, what);
    else if constexpr (std::is_same_v<T, bool>) return ivalue::getBool(*stored_, key, what);
    else if constexpr (std::is_same_v<T, double>) return ivalue::getDouble(*stored_, key, what);
    else return static_cast<T>(ivalue::getInt(*stored_, key, what));
  }
  template <typename T>
  static std::string text(const T& v) {
    if constexpr (std::is_same_v<T, std::string>) return v;
    else if constexpr (std::is_same_v<T, bool>) return v ? "on" : "off";
    else if constexpr (std::is_same_v<T, double>) return json::number(v);
    else return std::to_string(v);
  }
};

void requirePositive(int64_t value, const char* flag) {
  if (value <= 0) throw ConfigError(std::string(flag) + " must be a positive integer, got " + std::to_string(value));
}

void requireFile(const std::string& path, const char* flag) {
  if (path.empty()) return;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw ConfigError(std::string(flag) + " " + path + ": no such file");
}

}  // namespace

bool cpuFavoursBf16() {
  // Measured on an AVX512-BF16 EPYC, regnet_y_400mf, batch 32: LibTorch 2.13 bf16 + channels_last
  // trains 2.5-4x faster than fp32; LibTorch 1.13's CPU autocast is slower than fp32.
#if TORCH_VERSION_MAJOR >= 2 && defined(__x86_64__) && defined(__GNUC__)
  return __builtin_cpu_supports("avx512bf16") || __builtin_cpu_supports("amx-bf16");
#else
  return false;
#endif
}

const char* ampName(AmpMode mode) {
  switch (mode) {
    case AmpMode::Float16: return "fp16";
    case AmpMode::BFloat16: return "bf16";
    default: return "off";
  }
}

void checkRequest(const TrainRequest& r) {
  if (r.outDir.empty()) throw ConfigError("--out is required: the run folder");
  if (r.resume && (r.pretrained || r.init)) {
    throw ConfigError("--resume continues from last.pth; --pretrained and --init do not apply to it");
  }
  if (r.pretrained && r.init) throw ConfigError("--pretrained and --init exclude each other");
}

TrainConfig resolveConfig(const TrainRequest& r, const c10::IValue* stored) {
  TrainConfig c;
  c.dataset = r.dataset;
  c.imageSize = r.imageSize;
  c.outDir = r.outDir;

  torch::Device device(torch::kCPU);
  try {
    device = resolveDevice(r.device.value_or("auto"));
  } catch (const std::exception& e) {
    throw ConfigError(std::string("--device: ") + e.what());
  }
  c.device = device.str();
  if (device.is_cuda() && !device.has_index()) c.device = "cuda:0";
  int computeMajor = 0;
  if (device.is_cuda()) {
    const auto info = runtimeInfo();
    const auto index = static_cast<size_t>(device.has_index() ? device.index() : 0);
    if (index < info.gpus.size()) computeMajor = info.gpus[index].computeCapabilityMajor;
  }

  checkRequest(r);
  c.pretrained = r.pretrained.value_or("");
  c.init = r.init.value_or("");
  requireFile(c.pretrained, "--pretrained");
  requireFile(c.init, "--init");

  Resolver pick(stored);
  c.arch = pick.pick<std::string>(r.arch, "arch", "--arch", "regnet_y_16gf", true);
  checkArch(c.arch);
  c.seed = static_cast<uint64_t>(pick.pick<int64_t>(r.seed ? std::optional<int64_t>(static_cast<int64_t>(*r.seed)) : std::nullopt,
                                                     "seed", "--seed", 42, true));
  c.batchSize = pick.pick<int64_t>(r.batchSize, "batch_size", "--batch-size", 64, true);
  requirePositive(c.batchSize, "--batch-size");
  const std::string optimizer = pick.pick<std::string>(r.optimizer, "optimizer", "--optimizer", "adam", true);
  c.optimizer = defaultOptimizerOptions(parseOptimizer(optimizer));
  c.optimizer.lr = pick.pick<double>(r.lr, "lr", "--lr", c.optimizer.lr, true);
  if (!(c.optimizer.lr > 0) || !std::isfinite(c.optimizer.lr)) {
    throw ConfigError("--lr must be a positive number, got " + json::number(c.optimizer.lr));
  }
  c.optimizer.foreach = r.foreach.value_or(true);

  const bool cpuBf16 = !device.is_cuda() && cpuFavoursBf16();
  const AmpMode ampDefault = device.is_cuda() ? (computeMajor >= 8 ? AmpMode::BFloat16 : AmpMode::Float16)
                                              : (cpuBf16 ? AmpMode::BFloat16 : AmpMode::Off);
  c.amp = parseAmp(pick.pick<std::string>(r.amp, "amp", "--amp", ampName(ampDefault), true));
  if (c.amp == AmpMode::Float16 && !device.is_cuda()) {
    throw ConfigError("--amp fp16 needs a CUDA device (this run uses " + c.device + "); on CPU use --amp bf16 or off");
  }
  if (c.amp == AmpMode::BFloat16 && device.is_cuda() && computeMajor < 8) {
    throw ConfigError("--amp bf16 needs a GPU of compute capability 8.0 or newer (Ampere); use --amp fp16");
  }
  c.channelsLast = r.channelsLast.value_or(device.is_cuda() || cpuBf16);
  c.cudnnBenchmark = r.cudnnBenchmark.value_or(device.is_cuda());
  c.cudaGraphs = r.cudaGraphs.value_or(false);
  if (c.cudaGraphs && !device.is_cuda()) {
    throw ConfigError("--cuda-graphs needs a CUDA device (this run uses " + c.device + ")");
  }
  if (c.cudaGraphs) {
    throw ConfigError("--cuda-graphs: graph capture of the training step is not implemented yet; leave the flag out");
  }

  c.epochs = pick.pick<int64_t>(r.epochs, "epochs", "--epochs", 100, false);
  requirePositive(c.epochs, "--epochs");
  c.earlyStopping = pick.pick<int64_t>(r.earlyStopping, "early_stopping", "--early-stopping", 0, false);
  if (c.earlyStopping < 0) throw ConfigError("--early-stopping must be 0 (off) or a positive number of epochs");
  c.workers = r.workers.value_or(device.is_cuda() ? 4 : 2);
  requirePositive(c.workers, "--workers");
  c.logEvery = r.logEvery.value_or(50);
  requirePositive(c.logEvery, "--log-every");
  // Kept on --resume: a long run that was made safe against kills stays so.
  if (r.checkpointEvery) requirePositive(*r.checkpointEvery, "--checkpoint-every");
  c.checkpointEvery = pick.pick<int64_t>(r.checkpointEvery, "checkpoint_every", "--checkpoint-every", 0, false);

  c.samples.eliminateTransitions = pick.pick<bool>(r.eliminateTransitions, "eliminate_transitions", "--eliminate-transitions", false, true);
  c.samples.useMutuallyAgreed = pick.pick<bool>(r.useMutuallyAgreed, "use_mutually_agreed", "--use-mutually-agreed", false, true);
  c.horizontalFlip = pick.pick<bool>(r.horizontalFlip, "horizontal_flip", "--horiz-flip", false, true);
  if (r.sharedFrames) requirePositive(*r.sharedFrames, "--shared-frames");
  c.sharedFrames = pick.pick<int64_t>(r.sharedFrames, "shared_frames", "--shared-frames", 1, true);
  if (c.sharedFrames > 1 && c.samples.stride >= c.samples.windowSize) {
    // Windows share frames only when a window's sampled frames overlap its neighbours'.
    throw ConfigError("--shared-frames " + std::to_string(c.sharedFrames) + " needs overlapping windows; windows of " +
                      std::to_string(c.samples.windowSize) + " frames with stride " + std::to_string(c.samples.stride) +
                      " share no frames");
  }
  c.freezeEncoderBatchNorm = pick.pick<bool>(r.freezeEncoderBatchNorm, "freeze_encoder_bn", "--freeze-encoder-bn", false, true);

  // The job's size may change between runs of one training (--resume with another --nproc).
  c.syncBatchNorm = pick.pick<bool>(r.syncBatchNorm, "sync_batchnorm", "--sync-batch-norm", false, false);
  if (r.distributed) c.distributed = *r.distributed;
  const auto& job = c.distributed;
  if (job.worldSize < 1) throw ConfigError("--nproc and --nnodes must be positive");
  if (job.rank < 0 || job.rank >= job.worldSize) {
    throw ConfigError("rank " + std::to_string(job.rank) + " is outside a job of " + std::to_string(job.worldSize) + " processes");
  }
  if (job.worldSize > 1) {
    if (c.batchSize < 2 * job.worldSize) {
      throw ConfigError("--batch-size " + std::to_string(c.batchSize) + " is too small for " + std::to_string(job.worldSize) +
                        " processes: the batch size is global, and each process needs at least 2 samples of it");
    }
    if (job.timeoutSeconds < 1) throw ConfigError("--dist-timeout must be a positive number of seconds");
    if (c.cudaGraphs) throw ConfigError("--cuda-graphs does not combine with several processes");
    const auto backends = distributed::availableBackends();
    c.backend = distributed::backendFor(device);
    if (std::find(backends.begin(), backends.end(), c.backend) == backends.end()) {
      throw ConfigError("--nproc/--nnodes: this build of gazecoder has no c10d backend (install libgloo-dev and rebuild the addon)");
    }
  } else if (r.syncBatchNorm.value_or(false)) {
    throw ConfigError("--sync-batch-norm applies to a job of several processes (--nproc or --nnodes)");
  } else {
    c.syncBatchNorm = false;
  }
  return c;
}

c10::IValue TrainConfig::toIValue() const {
  auto d = ivalue::dict();
  d.insert("arch", arch);
  d.insert("seed", static_cast<int64_t>(seed));
  d.insert("batch_size", batchSize);
  d.insert("optimizer", std::string(optimizer.kind == OptKind::Adam ? "adam" : "sgd"));
  d.insert("lr", optimizer.lr);
  d.insert("amp", std::string(ampName(amp)));
  d.insert("epochs", epochs);
  d.insert("early_stopping", earlyStopping);
  d.insert("checkpoint_every", checkpointEvery);
  d.insert("eliminate_transitions", samples.eliminateTransitions);
  d.insert("use_mutually_agreed", samples.useMutuallyAgreed);
  d.insert("horizontal_flip", horizontalFlip);
  d.insert("shared_frames", sharedFrames);
  d.insert("freeze_encoder_bn", freezeEncoderBatchNorm);
  d.insert("image_size", imageSize);
  d.insert("sync_batchnorm", syncBatchNorm);
  return d;
}

std::string TrainConfig::toJson(const std::string& extra) const {
  json::Object o;
  o.string("dataset", dataset)
      .integer("imageSize", imageSize)
      .string("out", outDir)
      .string("arch", arch)
      .string("device", device)
      .raw("pretrained", pretrained.empty() ? "null" : json::quote(pretrained))
      .raw("init", init.empty() ? "null" : json::quote(init))
      .integer("batchSize", batchSize)
      .integer("epochs", epochs)
      .integer("earlyStopping", earlyStopping)
      .integer("seed", static_cast<int64_t>(seed))
      .integer("workers", workers)
      .integer("logEvery", logEvery)
      .integer("checkpointEvery", checkpointEvery);
  json::Object opt;
  opt.string("name", optimizer.kind == OptKind::Adam ? "adam" : "sgd").number("lr", optimizer.lr).number("weightDecay", optimizer.weightDecay);
  if (optimizer.kind == OptKind::Adam) {
    opt.raw("betas", json::array(std::vector<double>{optimizer.beta1, optimizer.beta2})).number("eps", optimizer.eps);
  } else {
    opt.number("momentum", optimizer.momentum);
  }
  opt.boolean("foreach", optimizer.foreach);
  o.raw("optimizer", opt.str());
  json::Object sched;
  sched.string("name", "ReduceLROnPlateau").string("mode", "min").string("monitor", "valLoss")
      .number("factor", plateau.factor).integer("patience", plateau.patience).number("threshold", plateau.threshold)
      .string("thresholdMode", "rel").integer("cooldown", plateau.cooldown).number("minLr", plateau.minLr);
  o.raw("scheduler", sched.str());
  o.string("amp", ampName(amp)).boolean("channelsLast", channelsLast).boolean("cudnnBenchmark", cudnnBenchmark)
      .boolean("cudaGraphs", cudaGraphs);
  json::Object job;
  job.integer("worldSize", distributed.worldSize).raw("backend", backend.empty() ? "null" : json::quote(backend))
      .boolean("syncBatchNorm", syncBatchNorm);
  o.raw("distributed", job.str());
  json::Object sampling;
  sampling.integer("windowSize", samples.windowSize).integer("stride", samples.stride)
      .integer("framesPerSample", samples.framesPerSample())
      .boolean("eliminateTransitions", samples.eliminateTransitions)
      .boolean("useMutuallyAgreed", samples.useMutuallyAgreed)
      .integer("sharedFrames", sharedFrames);
  o.raw("samples", sampling.str());
  o.boolean("freezeEncoderBatchNorm", freezeEncoderBatchNorm);
  const SampleTransform transform;  // the normalisation every run uses
  json::Object augment;
  json::Object jitterJson;
  jitterJson.number("brightness", jitter.brightness).number("contrast", jitter.contrast)
      .number("saturation", jitter.saturation).number("hue", jitter.hue);
  augment.raw("colorJitter", jitterJson.str()).boolean("horizontalFlip", horizontalFlip)
      .raw("normalize", json::Object()
                                .raw("mean", json::array(std::vector<float>(transform.mean.begin(), transform.mean.end())))
                                .raw("std", json::array(std::vector<float>(transform.std.begin(), transform.std.end())))
                                .str());
  o.raw("augmentation", augment.str());
  std::string text = o.str();
  if (!extra.empty()) text.insert(text.size() - 1, "," + extra);
  return text;
}

}  // namespace gazecoder::train
