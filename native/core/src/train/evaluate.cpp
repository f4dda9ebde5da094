#include "evaluate.h"

#include <chrono>
#include <optional>
#include <vector>

#include "gazecoder/train/autocast.h"
#include "out_of_memory.h"

namespace gazecoder::train {

bool evaluate(TrainingRun& run, Checkpointer& checkpointer, EpochEvent& e) {
  BatchLoader loader(run.dataset, run.dataset.val, run.valLoaderOptions());
  const auto start = std::chrono::steady_clock::now();
  const auto& device = run.device;
  run.broadcastBuffers();
  run.model->eval();
  torch::NoGradGuard noGrad;
  double lossSum = 0;
  int64_t seen = 0, batches = 0;
  std::optional<Batch> batch;
  while (!run.job->stopRequested() && (batch = loader.next())) {
    ++batches;
    run.job->sumWithStop({});  // every rank learns of a stop between batches
    if (batch->labels.size(0) == 0) continue;  // a shard of a batch smaller than the job
    guardMemory(run.config, "validation", [&] {
      const auto images = batch->images.to(device, device.is_cuda());
      const auto boxes = batch->boxes.to(device, device.is_cuda());
      const auto labels = batch->labels.to(device, device.is_cuda());
      torch::Tensor logits;
      {
        AutocastScope autocast(device.type(), run.autocastDtype());
        logits = forwardWindows(*run.model, images, boxes, run.config.channelsLast).to(torch::kFloat32);
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
  run.model->train();
  if (batches < loader.batches()) {
    checkpointer.saveLast();  // progress says: training of this epoch done, validation to redo
    return false;
  }
  std::vector<double> totals{lossSum, static_cast<double>(seen)};
  for (const auto& row : e.valConfusion) totals.insert(totals.end(), row.begin(), row.end());
  const auto summed = run.job->sumWithStop(totals);
  lossSum = summed[0];
  seen = static_cast<int64_t>(summed[1]);
  for (size_t t = 0; t < 3; ++t) {
    for (size_t p = 0; p < 3; ++p) e.valConfusion[t][p] = static_cast<int64_t>(summed[2 + t * 3 + p]);
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
  e.valSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return true;
}

}  // namespace gazecoder::train
