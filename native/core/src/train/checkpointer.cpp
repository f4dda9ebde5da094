#include "checkpointer.h"

#include <torch/torch.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <unistd.h>

#include "gazecoder/checkpoint/checkpoint.h"
#include "gazecoder/checkpoint/state_dict.h"

namespace gazecoder::train {
namespace {

std::string messageOf(const std::exception& e) {
  const auto* torchError = dynamic_cast<const c10::Error*>(&e);
  return torchError ? torchError->what_without_backtrace() : e.what();
}

// Model weights as CPU tensors (a copy; the model keeps training).
StateDict cpuState(const torch::nn::Module& module) {
  StateDict cpu;
  for (const auto& item : stateDictOf(module)) {
    cpu.insert(item.key(), item.value().detach().to(torch::kCPU, /*non_blocking=*/false, /*copy=*/true).contiguous());
  }
  return cpu;
}

// Rank 0's last.pth, as `bytes`, read on another rank through a temp file.
TrainingState loadCopy(const std::string& bytes, const std::string& lastPath, int64_t rank) {
  const auto copy = std::filesystem::temp_directory_path() /
                    ("gazecoder-resume-" + std::to_string(::getpid()) + "-" + std::to_string(rank) + ".pth");
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
    auto state = loadTrainingState(copy.string());
    std::filesystem::remove(copy);
    return state;
  } catch (...) {
    std::filesystem::remove(copy);
    throw;
  }
}

}  // namespace

std::optional<TrainingState> readResumeState(const TrainRequest& request, Agreement& job) {
  const std::string lastPath = (std::filesystem::path(request.outDir) / "last.pth").string();
  std::string failure, bytes;
  std::exception_ptr error;
  std::optional<TrainingState> state;
  if (job.leader()) {
    try {
      if (request.resume) {
        if (!std::filesystem::exists(lastPath)) {
          throw ConfigError("--resume: " + lastPath + " does not exist; start the run without --resume");
        }
        if (job.group()) {
          std::ifstream in(lastPath, std::ios::binary);
          bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        state = loadTrainingState(lastPath);  // a broken file fails here, on rank 0, for every rank
      } else if (std::filesystem::exists(lastPath)) {
        throw ConfigError("--out " + request.outDir + " already holds a run (last.pth); pass --resume to continue it, or choose another --out");
      }
    } catch (const std::exception& e) {
      error = std::current_exception();
      failure = messageOf(e);
    }
  }
  failure = job.fromLeader(failure);
  if (error) std::rethrow_exception(error);
  if (!failure.empty()) throw ConfigError("rank 0: " + failure);
  if (!request.resume || !job.group()) return state;
  bytes = job.fromLeader(bytes);
  if (job.leader()) return state;
  return loadCopy(bytes, lastPath, job.rank());
}

Checkpointer::Checkpointer(const TrainingRun& run, std::string lastPath, std::string bestPath,
                           std::optional<int64_t> resumedStep)
    : run_(run), lastPath_(std::move(lastPath)), bestPath_(std::move(bestPath)), savedStep_(resumedStep.value_or(0)),
      lastOnDisk_(resumedStep.has_value()) {}

void Checkpointer::saveLast() {
  leaderWrites([&] { writeLast(); });
  savedStep_ = run_.progress.step;
}

void Checkpointer::saveEpochEnd(bool isBest, const std::function<void()>& logEpoch) {
  leaderWrites([&] {
    logEpoch();
    if (isBest) saveStateDictFile(bestPath_, cpuState(*run_.model));
    writeLast();
  });
  savedStep_ = run_.progress.step;
}

void Checkpointer::rethrowKeepingSteps(const std::exception& error) {
  // Every collective comes before the optimizer step, so a failed one leaves a consistent state. Not
  // after a failed write: the writes of an epoch's end are then half done, and retrying a write to a
  // full disk only fails again.
  if (run_.progress.step == savedStep_ || !run_.job->leader() || writeFailed_) throw;
  const auto original = std::current_exception();
  try {
    writeLast();
    savedStep_ = run_.progress.step;
  } catch (const std::exception&) {
    std::rethrow_exception(original);
  }
  throw std::runtime_error(messageOf(error) + "\n" + lastPath_ + " holds the run up to step " +
                           std::to_string(run_.progress.step) + "; continue it with --resume");
}

// Rank 0 only; no collective, so that it also serves after a failed one. A failed write leaves the
// previous last.pth as it was: savePickled writes a temp file and renames it.
void Checkpointer::writeLast() {
  if (!run_.job->leader()) return;
  TrainingState state;
  state.model = cpuState(*run_.model);
  state.optimizer = run_.optimizer->state();
  state.scheduler = run_.scheduler.state();
  state.scaler = run_.scaler ? run_.scaler->state() : c10::IValue();
  state.config = run_.config.toIValue();
  state.progress = run_.progress;
  try {
    saveTrainingState(lastPath_, state);
  } catch (const std::exception& e) {
    const std::string before = lastOnDisk_ ? "the previous " + lastPath_ + " (step " + std::to_string(savedStep_) + ") is unchanged"
                                           : "no checkpoint of this run exists yet";
    throw std::runtime_error(std::string("cannot write the checkpoint: ") + e.what() + "; " + before);
  }
  lastOnDisk_ = true;
}

void Checkpointer::leaderWrites(const std::function<void()>& write) {
  std::string failure;
  std::exception_ptr error;
  if (run_.job->leader()) {
    try {
      write();
    } catch (const std::exception& e) {
      error = std::current_exception();
      failure = messageOf(e);
      if (failure.empty()) failure = "write failed";
    }
  }
  failure = run_.job->fromLeader(failure);
  writeFailed_ = !failure.empty();
  if (error) std::rethrow_exception(error);
  if (!failure.empty()) throw std::runtime_error("rank 0: " + failure);
}

}  // namespace gazecoder::train
