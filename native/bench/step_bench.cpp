// gazecoder_step_bench: times one training step (forward + backward + optimizer) of the
// GazeCodingModel with the core's own pieces (model factory, the trainer's step with its autocast
// scope and grad scaler, foreach Adam, channels_last conversion), with warm-up and repeats, and
// optionally checks one step against a reference PyTorch step (scripts/reference/step_bench.py
// writes the weights, the batch and the reference's parameters after its step). Needs no Node: it
// builds with the core under plain CMake.
//
//   gazecoder_step_bench [--arch A] [--batch B] [--window N] [--image-size S] [--amp off|fp16|bf16]
//                        [--channels-last 0|1] [--cuda-graphs 0|1] [--device cpu|cuda[:N]] [--threads T]
//                        [--warmup W] [--repeats R] [--seed S] [--init W.pth] [--batch-file B.pth]
//                        [--parity-reference R.pth] [--shared-frames K] [--json]
//
// --shared-frames K times the shared-frame step (gazecoder train --shared-frames): the batch's windows
// in clips of K consecutive same-parity windows, each clip's K + 4 frames encoded once (random frames;
// the boxes and labels of --batch-file). Its exactness is a core test (training_shared_frames_test).
#include "gazecoder/checkpoint/checkpoint.h"
#include "gazecoder/checkpoint/state_dict.h"
#include "gazecoder/device.h"
#include "gazecoder/models/model_factory.h"
#include "gazecoder/models/regnet_spec.h"
#include "gazecoder/runtime.h"
#include "gazecoder/train/grad_scaler.h"
#include "gazecoder/train/optimizer.h"
#include "gazecoder/train/train_step.h"

#include <sys/resource.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using gazecoder::GazeCodingModel;

struct Options {
  std::string arch = "regnet_y_16gf";
  int64_t batch = 64;
  int64_t window = 5;
  int64_t imageSize = 100;
  std::string amp = "off";
  bool channelsLast = false;
  bool cudaGraphs = false;
  std::string device = "cpu";
  int threads = 0;
  int warmup = 1;
  int repeats = 3;
  uint64_t seed = 0;
  int64_t sharedFrames = 1;
  std::string init, batchFile, parityReference;
  bool json = false;
};

Options parse(int argc, char** argv) {
  Options o;
  std::map<std::string, std::string> values;
  for (int i = 1; i < argc; ++i) {
    std::string key = argv[i];
    if (key == "--json") {
      o.json = true;
      continue;
    }
    if (key.rfind("--", 0) != 0 || i + 1 >= argc) throw std::invalid_argument("bad argument " + key + " (flags take a value, except --json)");
    values[key.substr(2)] = argv[++i];
  }
  auto flag = [](const std::string& v) { return v == "1" || v == "true" || v == "on"; };
  for (const auto& [k, v] : values) {
    if (k == "arch") o.arch = v;
    else if (k == "batch") o.batch = std::stoll(v);
    else if (k == "window") o.window = std::stoll(v);
    else if (k == "image-size") o.imageSize = std::stoll(v);
    else if (k == "amp") o.amp = v;
    else if (k == "channels-last") o.channelsLast = flag(v);
    else if (k == "cuda-graphs") o.cudaGraphs = flag(v);
    else if (k == "device") o.device = v;
    else if (k == "threads") o.threads = std::stoi(v);
    else if (k == "warmup") o.warmup = std::stoi(v);
    else if (k == "repeats") o.repeats = std::stoi(v);
    else if (k == "seed") o.seed = std::stoull(v);
    else if (k == "init") o.init = v;
    else if (k == "batch-file") o.batchFile = v;
    else if (k == "parity-reference") o.parityReference = v;
    else if (k == "shared-frames") o.sharedFrames = std::stoll(v);
    else throw std::invalid_argument("unknown flag --" + k);
  }
  if (o.amp != "off" && o.amp != "fp16" && o.amp != "bf16") throw std::invalid_argument("--amp must be off, fp16 or bf16");
  if (o.batch < 2) throw std::invalid_argument("--batch must be at least 2 (BatchNorm in training mode)");
  if (o.repeats < 1 || o.warmup < 0) throw std::invalid_argument("--repeats must be ≥ 1 and --warmup ≥ 0");
  if (o.sharedFrames < 1) throw std::invalid_argument("--shared-frames must be ≥ 1");
  if (o.sharedFrames > 1 && !o.parityReference.empty()) {
    throw std::invalid_argument("--parity-reference compares the per-window step; leave out --shared-frames");
  }
  return o;
}

std::string jsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string jsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  std::ostringstream s;
  s.precision(9);
  s << v;
  return s.str();
}

struct Batch {
  torch::Tensor images, boxes, labels;
  torch::Tensor frameIndex;  // shared-frame batches: B×N into images' frames
};

// The batch's windows in clips of k (the last one shorter): clip c's windows share its m + N - 1 frames,
// window i of a clip taking frames i, i + 1, ... of them (what stride 2 gives for same-parity windows).
void shareFrames(Batch& b, int64_t k, int64_t imageSize) {
  const int64_t windows = b.boxes.size(0), n = b.boxes.size(1);
  b.frameIndex = torch::empty({windows, n}, torch::kLong);
  auto index = b.frameIndex.accessor<int64_t, 2>();
  int64_t frames = 0;
  for (int64_t first = 0; first < windows; first += k) {
    const int64_t m = std::min(k, windows - first);
    for (int64_t i = 0; i < m; ++i) {
      for (int64_t j = 0; j < n; ++j) index[first + i][j] = frames + i + j;
    }
    frames += m + n - 1;
  }
  b.images = torch::randn({frames, 3, imageSize, imageSize});
}

Batch makeBatch(const Options& o) {
  if (!o.batchFile.empty()) {
    const auto dict = gazecoder::loadPickled(o.batchFile).toGenericDict();
    return {dict.at("images").toTensor(), dict.at("boxes").toTensor(), dict.at("labels").toTensor().to(torch::kLong)};
  }
  torch::manual_seed(o.seed + 1);
  return {torch::randn({o.batch, o.window, 3, o.imageSize, o.imageSize}), torch::rand({o.batch, o.window, 5}),
          torch::randint(0, GazeCodingModel::kNumClasses, {o.batch}, torch::kLong)};
}

// The trainer's own training step (gazecoder/train/train_step.h) with Adam, and a grad scaler for fp16.
class Step {
 public:
  Step(GazeCodingModel& model, const Options& o, torch::Device device)
      : optimizer_(model.parameters(), gazecoder::train::defaultOptimizerOptions(gazecoder::train::OptimizerOptions::Kind::Adam)) {
    std::optional<c10::ScalarType> dtype;
    if (o.amp == "fp16") {
      dtype = torch::kFloat16;
      scaler_.emplace(device);
    } else if (o.amp == "bf16") {
      dtype = torch::kBFloat16;
    }
    step_.emplace(model, optimizer_, dtype, o.channelsLast, scaler_ ? &*scaler_ : nullptr);
  }

  // Returns the loss (reading it synchronises with the device, so wall time covers the whole step).
  double operator()(const Batch& b) {
    return (*step_)(b.images, b.boxes, b.labels, nullptr, nullptr, b.frameIndex).loss.item<double>();
  }

 private:
  gazecoder::train::Optimizer optimizer_;
  std::optional<gazecoder::train::GradScaler> scaler_;
  std::optional<gazecoder::train::TrainStep> step_;
};

// Dropout off (eval) or on for the parity step: random masks cannot match across two libraries.
void setDropoutTraining(torch::nn::Module& model, bool on) {
  for (const auto& m : model.modules()) {
    if (m->as<torch::nn::DropoutImpl>()) m->train(on);
  }
}

struct Parity {
  double loss = NAN, referenceLoss = NAN, paramMaxAbsDiff = 0, paramMaxAbs = 0, gradMaxAbsDiff = 0, gradMaxAbs = 0;
  int64_t compared = 0;
};

double maxAbs(const torch::Tensor& t) { return t.abs().max().item<double>(); }

Parity checkParity(GazeCodingModel& model, Step& step, const Batch& batch, const std::string& referencePath) {
  const auto reference = gazecoder::loadStateDictFile(referencePath);
  Parity p;
  setDropoutTraining(model, false);
  p.loss = step(batch);
  setDropoutTraining(model, true);
  const auto ours = gazecoder::stateDictOf(model);
  // The file holds the reference's loss, its parameters after the step and (as "grad.<name>") the
  // gradients of that step: Adam's first step moves each parameter by about ±lr whatever the
  // gradient's size, so the gradients are where a wrong backward would show.
  for (const auto& item : reference) {
    if (item.key() == "loss") {
      p.referenceLoss = item.value().item<double>();
      continue;
    }
    const bool isGrad = item.key().rfind("grad.", 0) == 0;
    const std::string name = isGrad ? item.key().substr(5) : item.key();
    const auto* mine = ours.find(name);
    if (!mine) throw std::runtime_error(referencePath + ": " + name + " is not a parameter of the model");
    const auto theirs = item.value().to(torch::kFloat64);
    if (isGrad) {
      if (!mine->grad().defined()) throw std::runtime_error(name + " got no gradient");
      p.gradMaxAbsDiff = std::max(p.gradMaxAbsDiff, maxAbs(mine->grad().to(torch::kCPU, torch::kFloat64) - theirs));
      p.gradMaxAbs = std::max(p.gradMaxAbs, maxAbs(theirs));
      continue;
    }
    p.paramMaxAbsDiff = std::max(p.paramMaxAbsDiff, maxAbs(mine->detach().to(torch::kCPU, torch::kFloat64) - theirs));
    p.paramMaxAbs = std::max(p.paramMaxAbs, maxAbs(theirs));
    ++p.compared;
  }
  if (std::isnan(p.referenceLoss)) throw std::runtime_error(referencePath + " has no \"loss\" entry");
  return p;
}

// The process's peak resident memory (Linux reports ru_maxrss in KiB).
int64_t peakRssBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;
}

int run(const Options& o) {
  const auto info = gazecoder::runtimeInfo();
  const int threads = gazecoder::configureThreads(o.threads);
  const torch::Device device = gazecoder::resolveDevice(o.device);
  auto emit = [&](const std::string& status, const std::string& body) {
    std::ostringstream s;
    s << "{\"status\":" << jsonString(status) << ",\"arch\":" << jsonString(o.arch) << ",\"batch\":" << o.batch
      << ",\"window\":" << o.window << ",\"imageSize\":" << o.imageSize << ",\"amp\":" << jsonString(o.amp)
      << ",\"channelsLast\":" << (o.channelsLast ? "true" : "false") << ",\"cudaGraphs\":" << (o.cudaGraphs ? "true" : "false")
      << ",\"device\":" << jsonString(device.str()) << ",\"threads\":" << threads
      << ",\"torchVersion\":" << jsonString(info.torchVersion) << ",\"cpuCapability\":" << jsonString(info.cpuCapability)
      << body << "}";
    std::cout << s.str() << std::endl;
  };
  // The trainer has no CUDA-graph capture yet (`gazecoder train --cuda-graphs` is reserved).
  if (o.cudaGraphs) {
    emit("not implemented", ",\"reason\":\"CUDA graph capture of the training step is not implemented in the trainer\"");
    return 0;
  }
  if (o.amp == "fp16" && !device.is_cuda()) {
    emit("not supported", ",\"reason\":\"fp16 autocast with loss scaling is a CUDA setting\"");
    return 0;
  }

  torch::manual_seed(o.seed);
  auto model = gazecoder::makeGazeModelForArch(o.arch, o.window);
  if (!o.init.empty()) {
    const auto report = gazecoder::loadStateDict(*model, gazecoder::loadStateDictFile(o.init));
    if (!report.ok()) throw std::runtime_error(o.init + " does not fit " + o.arch + ":\n" + report.describeProblems());
  }
  model->to(device);
  if (o.channelsLast) gazecoder::convertModel(*model, torch::kFloat32, true);
  model->train();
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);

  Batch host = makeBatch(o);
  if (o.sharedFrames > 1) shareFrames(host, o.sharedFrames, o.imageSize);
  const bool nonBlocking = device.is_cuda();
  Batch batch{host.images.to(device, nonBlocking), host.boxes.to(device, nonBlocking), host.labels.to(device, nonBlocking),
              host.frameIndex.defined() ? host.frameIndex.to(device, nonBlocking) : torch::Tensor()};
  Step step(*model, o, device);

  std::optional<Parity> parity;
  if (!o.parityReference.empty()) parity = checkParity(*model, step, batch, o.parityReference);

  std::vector<double> seconds;
  double lastLoss = NAN;
  for (int i = 0; i < o.warmup + o.repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    lastLoss = step(batch);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    if (i >= o.warmup) seconds.push_back(took.count());
    if (!o.json) std::cerr << (i < o.warmup ? "warm-up" : "step") << " " << took.count() << " s, loss " << lastLoss << "\n";
  }
  std::vector<double> sorted = seconds;
  std::sort(sorted.begin(), sorted.end());
  const size_t n = sorted.size();
  const double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;

  std::ostringstream body;
  body << ",\"warmup\":" << o.warmup << ",\"repeats\":" << o.repeats << ",\"secondsPerStep\":{\"median\":" << jsonNumber(median)
       << ",\"min\":" << jsonNumber(sorted.front()) << ",\"max\":" << jsonNumber(sorted.back()) << "}"
       << ",\"samplesPerSecond\":" << jsonNumber(o.batch / median) << ",\"lastLoss\":" << jsonNumber(lastLoss)
       << ",\"sharedFrames\":" << o.sharedFrames << ",\"framesEncoded\":" << batch.images.size(0) * (batch.images.dim() == 5 ? batch.images.size(1) : 1)
       << ",\"peakRssBytes\":" << peakRssBytes();
  if (parity) {
    body << ",\"parity\":{\"loss\":" << jsonNumber(parity->loss) << ",\"referenceLoss\":" << jsonNumber(parity->referenceLoss)
         << ",\"lossAbsDiff\":" << jsonNumber(std::abs(parity->loss - parity->referenceLoss))
         << ",\"paramMaxAbsDiff\":" << jsonNumber(parity->paramMaxAbsDiff) << ",\"paramMaxAbs\":" << jsonNumber(parity->paramMaxAbs)
         << ",\"gradMaxAbsDiff\":" << jsonNumber(parity->gradMaxAbsDiff) << ",\"gradMaxAbs\":" << jsonNumber(parity->gradMaxAbs)
         << ",\"parametersCompared\":" << parity->compared << "}";
  }
  if (o.json) {
    emit("ok", body.str());
  } else {
    std::printf("%s batch %lld amp %s%s on %s, %d threads: median %.4f s/step (min %.4f, max %.4f), %.2f samples/s\n", o.arch.c_str(),
                static_cast<long long>(o.batch), o.amp.c_str(), o.channelsLast ? " channels_last" : "", device.str().c_str(), threads, median,
                sorted.front(), sorted.back(), o.batch / median);
    if (parity) {
      std::printf("parity: loss %.8f vs reference %.8f (|diff| %.3g), parameters max |diff| %.3g, gradients max |diff| %.3g (max |grad| %.3g) over %lld tensors\n",
                  parity->loss, parity->referenceLoss, std::abs(parity->loss - parity->referenceLoss), parity->paramMaxAbsDiff,
                  parity->gradMaxAbsDiff, parity->gradMaxAbs, static_cast<long long>(parity->compared));
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "gazecoder_step_bench: " << e.what() << "\n";
    return 1;
  }
}
