#pragma once
// The settings of a training run: what the caller asked (TrainRequest, every field optional) and what
// runs (TrainConfig), with defaults chosen for the device and, on --resume, the run's own settings.
#include <ATen/core/ivalue.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "gazecoder/train/color_jitter.h"
#include "gazecoder/train/dataset.h"
#include "gazecoder/train/lr_scheduler.h"
#include "gazecoder/train/optimizer.h"
#include "gazecoder/train/samples.h"

namespace gazecoder::train {

// A setting that cannot work; the message names the flag (e.g. "--batch-size must be ...").
class ConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

enum class AmpMode { Off, Float16, BFloat16 };
const char* ampName(AmpMode mode);  // "off", "fp16", "bf16"

// This process's place in a data-parallel job. --batch-size stays the global batch: each of the
// `worldSize` processes trains on a slice of it, so a job of any size takes the same steps.
struct DistributedRequest {
  int64_t rank = 0;
  int64_t worldSize = 1;
  std::string masterAddr = "127.0.0.1";
  int64_t masterPort = 29500;
  int64_t timeoutSeconds = 1800;  // a collective waiting longer than this fails the job
};

struct TrainRequest {
  std::string dataset;               // the dataset folder (for config.json and messages)
  std::vector<VideoSource> videos;   // the manifest's done videos of the train and val splits
  int64_t imageSize = 100;           // the manifest's imageSize
  std::string outDir;                // the run folder
  bool resume = false;               // continue from outDir/last.pth
  std::optional<std::string> arch, device, optimizer, amp, pretrained, init;
  std::optional<int64_t> batchSize, epochs, workers, earlyStopping, logEvery, checkpointEvery, sharedFrames;
  std::optional<uint64_t> seed;
  std::optional<double> lr;
  std::optional<bool> channelsLast, eliminateTransitions, useMutuallyAgreed, horizontalFlip, foreach,
      cudnnBenchmark, cudaGraphs, syncBatchNorm, freezeEncoderBatchNorm;
  std::optional<DistributedRequest> distributed;
};

struct TrainConfig {
  std::string dataset;
  int64_t imageSize = 100;
  std::string outDir;
  std::string arch = "regnet_y_16gf";
  std::string device = "cpu";  // resolved: "cpu" or "cuda:N"
  std::string pretrained;      // torchvision ImageNet weights for the image encoder ("" = none)
  std::string init;            // full model checkpoint to start from ("" = none)
  OptimizerOptions optimizer;
  PlateauOptions plateau;
  AmpMode amp = AmpMode::Off;
  bool channelsLast = false;
  bool cudnnBenchmark = false;
  bool cudaGraphs = false;
  int64_t batchSize = 64;
  int64_t epochs = 100;
  int64_t earlyStopping = 0;  // stop after this many epochs without a better validation accuracy; 0 = never
  int64_t workers = 2;
  int64_t logEvery = 50;      // steps between step lines of metrics.jsonl
  int64_t checkpointEvery = 0;  // steps between mid-epoch last.pth writes; 0 = at epoch ends and stops only
  uint64_t seed = 42;
  SampleOptions samples;
  bool horizontalFlip = false;
  ColorJitterRanges jitter;
  int64_t sharedFrames = 1;            // windows per clip of a shared-frame batch (clips.h); 1: per window
  bool freezeEncoderBatchNorm = false;  // the image encoder's BatchNorm in eval mode while training
  DistributedRequest distributed;  // worldSize 1: a single process
  std::string backend;             // c10d backend of a job of several processes: "gloo" or "nccl"
  bool syncBatchNorm = false;      // BatchNorm statistics over the global batch instead of each slice

  // Stored in last.pth, so that --resume knows the run's settings.
  c10::IValue toIValue() const;
  // config.json: every setting, plus `extra` (a JSON object's members, e.g. dataset statistics).
  std::string toJson(const std::string& extra = "") const;
};

// Whether bf16 autocast (with channels_last) is the faster way to train on this CPU: LibTorch 2.x on a
// CPU with native bf16 (AVX512-BF16 or AMX). Then it is the CPU default; otherwise fp32.
bool cpuFavoursBf16();

// The checks that need nothing but the request (e.g. --resume with --init); throws ConfigError.
void checkRequest(const TrainRequest& request);

// Fills the request's gaps: on resume from `stored` (the config of last.pth), else with defaults for
// the device (CUDA: bf16 autocast on compute capability >= 8, fp16 below, channels_last, cuDNN
// benchmark; CPU: bf16 autocast and channels_last where cpuFavoursBf16(), else fp32, contiguous). On resume, settings that would change the run's numbers (arch,
// seed, batch size, optimizer, lr, amp, sample options) must match; throws ConfigError naming the flag.
TrainConfig resolveConfig(const TrainRequest& request, const c10::IValue* stored = nullptr);

}  // namespace gazecoder::train
