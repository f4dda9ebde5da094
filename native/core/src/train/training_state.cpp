#include "gazecoder/train/training_state.h"

#include <torch/torch.h>

#include "gazecoder/checkpoint/checkpoint.h"
#include "ivalue.h"

namespace gazecoder::train {

c10::IValue Progress::toIValue() const {
  auto d = ivalue::dict();
  d.insert("epoch", epoch);
  d.insert("batch", batch);
  d.insert("step", step);
  d.insert("train_done", trainDone);
  d.insert("loss_sum", lossSum);
  d.insert("correct", correct);
  d.insert("seen", seen);
  d.insert("train_seconds", trainSeconds);
  d.insert("log_loss_sum", logLossSum);
  d.insert("log_steps", logSteps);
  d.insert("best_epoch", bestEpoch);
  d.insert("best_accuracy", bestAccuracy);
  d.insert("epochs_since_best", epochsSinceBest);
  return d;
}

Progress Progress::fromIValue(const c10::IValue& value) {
  const std::string what = "progress";
  const auto d = ivalue::asDict(value, what);
  Progress p;
  p.epoch = ivalue::getInt(d, "epoch", what);
  p.batch = ivalue::getInt(d, "batch", what);
  p.step = ivalue::getInt(d, "step", what);
  p.trainDone = ivalue::getBool(d, "train_done", what);
  p.lossSum = ivalue::getDouble(d, "loss_sum", what);
  p.correct = ivalue::getInt(d, "correct", what);
  p.seen = ivalue::getInt(d, "seen", what);
  p.trainSeconds = ivalue::getDouble(d, "train_seconds", what);
  if (ivalue::has(d, "log_steps")) {  // absent from the states of earlier versions
    p.logLossSum = ivalue::getDouble(d, "log_loss_sum", what);
    p.logSteps = ivalue::getInt(d, "log_steps", what);
  }
  p.bestEpoch = ivalue::getInt(d, "best_epoch", what);
  p.bestAccuracy = ivalue::getDouble(d, "best_accuracy", what);
  p.epochsSinceBest = ivalue::getInt(d, "epochs_since_best", what);
  return p;
}

void saveTrainingState(const std::string& path, const TrainingState& state) {
  auto model = c10::impl::GenericDict(c10::StringType::get(), c10::TensorType::get());
  for (const auto& item : state.model) model.insert(item.key(), item.value());
  auto d = ivalue::dict();
  d.insert("format", std::string(kTrainingStateFormat));
  d.insert("version", kTrainingStateVersion);
  d.insert("model", model);
  d.insert("optimizer", state.optimizer);
  d.insert("scheduler", state.scheduler);
  d.insert("scaler", state.scaler);
  d.insert("config", state.config);
  d.insert("progress", state.progress.toIValue());
  savePickled(path, d);
}

TrainingState loadTrainingState(const std::string& path) {
  const c10::IValue root = loadPickled(path);
  try {
    const auto d = ivalue::asDict(root, "the file");
    if (!ivalue::has(d, "format") || ivalue::getString(d, "format", "the file") != kTrainingStateFormat) {
      throw std::runtime_error("not a gazecoder training state (it holds no format '" + std::string(kTrainingStateFormat) +
                               "'); --resume needs the last.pth of a gazecoder run");
    }
    const int64_t version = ivalue::getInt(d, "version", "the file");
    if (version > kTrainingStateVersion) {
      throw std::runtime_error("training state version " + std::to_string(version) +
                               " is newer than this gazecoder reads (" + std::to_string(kTrainingStateVersion) + ")");
    }
    TrainingState state;
    for (const auto& item : ivalue::asDict(ivalue::get(d, "model", "the file"), "model")) {
      if (!item.value().isTensor()) throw std::runtime_error("model['" + item.key().toStringRef() + "'] is not a tensor");
      state.model.insert(item.key().toStringRef(), item.value().toTensor());
    }
    state.optimizer = ivalue::get(d, "optimizer", "the file");
    state.scheduler = ivalue::get(d, "scheduler", "the file");
    state.scaler = ivalue::get(d, "scaler", "the file");
    state.config = ivalue::get(d, "config", "the file");
    state.progress = Progress::fromIValue(ivalue::get(d, "progress", "the file"));
    return state;
  } catch (const CheckpointError&) {
    throw;
  } catch (const std::exception& e) {
    throw CheckpointError(path + ": " + e.what());
  }
}

}  // namespace gazecoder::train
