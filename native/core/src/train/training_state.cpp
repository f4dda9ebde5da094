#include "gazecoder/train/training_state.h"

#include <torch/torch.h>

#include "gazecoder/checkpoint/checkpoint.h"
#include "ivalue.h"

namespace gazecoder::train {

namespace {

// Calls visit(key, member) for each entry of a state's progress dict, in the order it is written.
template <typename P, typename Visit>
void visitProgress(P& p, Visit&& visit) {
  visit("epoch", p.epoch);
  visit("batch", p.batch);
  visit("step", p.step);
  visit("train_done", p.trainDone);
  visit("loss_sum", p.lossSum);
  visit("correct", p.correct);
  visit("seen", p.seen);
  visit("train_seconds", p.trainSeconds);
  visit("log_loss_sum", p.logLossSum, "log_steps");  // absent from the states of earlier versions
  visit("log_steps", p.logSteps, "log_steps");
  visit("best_epoch", p.bestEpoch);
  visit("best_accuracy", p.bestAccuracy);
  visit("epochs_since_best", p.epochsSinceBest);
}

}  // namespace

c10::IValue Progress::toIValue() const {
  ivalue::DictWriter writer;
  visitProgress(*this, writer);
  return writer.dict();
}

Progress Progress::fromIValue(const c10::IValue& value) {
  Progress p;
  ivalue::DictReader reader(value, "progress");
  visitProgress(p, reader);
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
