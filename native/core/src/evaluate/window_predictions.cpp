#include "gazecoder/evaluate/window_predictions.h"

#include <torch/torch.h>

#include <optional>
#include <stdexcept>

#include "gazecoder/train/batch_loader.h"

namespace gazecoder {

WindowPredictions predictWindows(Model& model, const std::vector<train::VideoSource>& sources,
                                 const WindowPredictionOptions& options) {
  if (model.spec().kind != ModelSpec::Kind::Gaze) throw std::invalid_argument("predictWindows needs a gaze model");
  if (options.samples.framesPerSample() != model.spec().window) {
    throw std::invalid_argument("windows of " + std::to_string(options.samples.framesPerSample()) +
                                " frames, but the model takes " + std::to_string(model.spec().window));
  }
  WindowPredictions out;
  train::Dataset dataset;
  dataset.imageSize = options.imageSize;
  dataset.sampleOptions = options.samples;
  // Training's own window rule, without its train/val bookkeeping: every video's windows in one list.
  std::vector<train::Sample> samples;
  for (const auto& source : sources) {
    const auto index = static_cast<uint32_t>(dataset.videos.size());
    train::Video video = train::Video::open(source, options.imageSize);
    for (const auto& w : train::collectWindows(video.frameCrop.as<int32_t>(), video.labels.as<int8_t>(), video.frames(),
                                               options.samples)) {
      samples.push_back({index, w.start, w.label});
    }
    out.videos.push_back(source.id);
    dataset.videos.push_back(std::move(video));
  }
  if (samples.empty()) return out;

  train::LoaderOptions loader;
  loader.batchSize = options.batchSize;
  loader.workers = options.workers;
  loader.dropLastSingle = false;  // eval-mode BatchNorm takes a batch of one
  loader.transform.mean = options.mean;
  loader.transform.std = options.std;
  train::BatchLoader batches(dataset, samples, loader);
  out.logits.reserve(samples.size() * 3);
  std::optional<train::Batch> batch;
  while ((batch = batches.next())) {
    const torch::Tensor logits = model.forward(batch->images, batch->boxes, false);
    const float* l = logits.data_ptr<float>();
    out.logits.insert(out.logits.end(), l, l + logits.numel());
  }
  for (size_t i = 0; i < samples.size(); ++i) {
    const float* l = out.logits.data() + 3 * i;
    out.video.push_back(samples[i].video);
    out.start.push_back(static_cast<int32_t>(samples[i].start));
    out.label.push_back(samples[i].label);
    // argmax, first maximum on ties (as torch.argmax)
    int8_t best = 0;
    for (int8_t c = 1; c < 3; ++c) if (l[c] > l[best]) best = c;
    out.predicted.push_back(best);
  }
  return out;
}

}  // namespace gazecoder
