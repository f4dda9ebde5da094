// gazecoder_loader_bench: the training data pipeline alone, without a model: how many windows per
// second the core's BatchLoader assembles (memory-mapped crops, ToTensor, ColorJitter, Normalize, flip)
// with a given number of worker threads, per window or in shared-frame clips. `gazecoder bench` sets
// it beside PyTorch's DataLoader fed iCatcher+'s PNG/PIL pipeline, to tell how many cores each needs
// to keep a GPU's training step fed.
//
//   gazecoder_loader_bench <dataset-dir> [--batch B] [--workers W] [--shared-frames K] [--batches N]
//                          [--image-size S] [--seed S]
//
// Reads every folder of <dataset-dir>/videos as a training video (the manifest's splits do not matter
// for a timing). Prints one JSON line.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "gazecoder/train/batch_loader.h"
#include "gazecoder/train/dataset.h"

namespace {

using namespace gazecoder::train;

struct Options {
  std::string dataset;
  int64_t batch = 64, sharedFrames = 1, batches = 20, imageSize = 100;
  int workers = 1;
  uint64_t seed = 0;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string key = argv[i];
    if (key.rfind("--", 0) != 0) {
      o.dataset = key;
      continue;
    }
    if (i + 1 >= argc) throw std::invalid_argument(key + " needs a value");
    const std::string v = argv[++i];
    if (key == "--batch") o.batch = std::stoll(v);
    else if (key == "--workers") o.workers = std::stoi(v);
    else if (key == "--shared-frames") o.sharedFrames = std::stoll(v);
    else if (key == "--batches") o.batches = std::stoll(v);
    else if (key == "--image-size") o.imageSize = std::stoll(v);
    else if (key == "--seed") o.seed = std::stoull(v);
    else throw std::invalid_argument("unknown flag " + key);
  }
  if (o.dataset.empty()) throw std::invalid_argument("usage: gazecoder_loader_bench <dataset-dir> [flags]");
  if (o.batch < 2 || o.workers < 1 || o.sharedFrames < 1 || o.batches < 2) {
    throw std::invalid_argument("--batch ≥ 2, --workers ≥ 1, --shared-frames ≥ 1 and --batches ≥ 2");
  }
  return o;
}

int run(const Options& o) {
  std::vector<VideoSource> sources;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(o.dataset) / "videos")) {
    if (entry.is_directory()) sources.push_back({entry.path().filename().string(), entry.path().string(), Split::Train});
  }
  if (sources.empty()) throw std::invalid_argument(o.dataset + "/videos holds no video folders");
  std::sort(sources.begin(), sources.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  sources.push_back({sources.front().id, sources.front().dir, Split::Val});  // Dataset::open wants a val split
  const Dataset dataset = Dataset::open(sources, o.imageSize, {});

  LoaderOptions options;
  options.batchSize = o.batch;
  options.shuffle = true;
  options.seed = o.seed;
  options.transform.colorJitter = true;
  options.transform.horizontalFlip = true;
  options.workers = o.workers;
  options.prefetch = std::max(4, 2 * o.workers);
  options.sharedFrames = o.sharedFrames;
  // Epochs in a row until enough batches: the first batch (thread start-up) is not timed.
  int64_t windows = 0, frames = 0, timedBatches = 0;
  std::chrono::steady_clock::time_point start;
  for (int64_t epoch = 0; timedBatches < o.batches; ++epoch) {
    options.epoch = epoch;
    BatchLoader loader(dataset, dataset.train, options);
    while (timedBatches < o.batches) {
      auto batch = loader.next();
      if (!batch) break;
      if (epoch == 0 && batch->index == 0) {
        start = std::chrono::steady_clock::now();
        continue;
      }
      windows += batch->labels.size(0);
      frames += batch->frameIndex.defined() ? batch->images.size(0) : batch->images.size(0) * batch->images.size(1);
      ++timedBatches;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "{\"windowsPerSecond\":" << windows / seconds << ",\"framesPerSecond\":" << frames / seconds
            << ",\"framesPerWindow\":" << static_cast<double>(frames) / windows << ",\"workers\":" << o.workers
            << ",\"sharedFrames\":" << o.sharedFrames << ",\"batch\":" << o.batch << ",\"batches\":" << timedBatches
            << ",\"trainWindows\":" << dataset.train.size() << "}" << std::endl;
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    std::cerr << "gazecoder_loader_bench: " << e.what() << "\n";
    return 1;
  }
}
