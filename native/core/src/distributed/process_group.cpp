#include "gazecoder/distributed/process_group.h"

#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>

#include "gazecoder/build_config.h"

#if GAZECODER_WITH_GLOO
#ifndef USE_C10D_GLOO  // a LibTorch 2.x wheel's compile flags define it already
#define USE_C10D_GLOO
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#if GAZECODER_WITH_NCCL
#ifndef USE_C10D_NCCL
#define USE_C10D_NCCL
#endif
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif
#if GAZECODER_WITH_GLOO || GAZECODER_WITH_NCCL
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace gazecoder::distributed {
namespace {

std::string describe(const std::exception& e) {
  const auto* torchError = dynamic_cast<const c10::Error*>(&e);
  return torchError ? torchError->what_without_backtrace() : e.what();
}

}  // namespace

std::vector<std::string> availableBackends() {
  std::vector<std::string> backends;
  if (GAZECODER_WITH_GLOO) backends.emplace_back("gloo");
  if (GAZECODER_WITH_NCCL) backends.emplace_back("nccl");
  return backends;
}

std::string backendFor(const torch::Device& device) {
  return device.is_cuda() && GAZECODER_WITH_NCCL ? "nccl" : "gloo";
}

struct ProcessGroup::Abandonment {
  std::atomic<bool> set{false};
  std::atomic<bool> cutShort{false};  // a wait ended while its collective was still in flight
  std::mutex mutex;
  std::string reason;

  std::optional<std::string> why() {
    if (!set.load()) return std::nullopt;
    std::lock_guard<std::mutex> lock(mutex);
    return reason;
  }
};

namespace {

// The groups alive in this process, for abandonAllGroups.
std::mutex registryMutex;
std::vector<std::weak_ptr<ProcessGroup>>& registry() {
  static auto* groups = new std::vector<std::weak_ptr<ProcessGroup>>();  // never destroyed: used at exit
  return *groups;
}

void remember(const std::shared_ptr<ProcessGroup>& group) {
  std::lock_guard<std::mutex> lock(registryMutex);
  auto& groups = registry();
  groups.erase(std::remove_if(groups.begin(), groups.end(), [](const auto& g) { return g.expired(); }), groups.end());
  groups.push_back(group);
}

}  // namespace

void ProcessGroup::abandon(const std::string& reason) {
  std::lock_guard<std::mutex> lock(abandonment_->mutex);
  if (abandonment_->set.load()) return;  // the first reason stands
  abandonment_->reason = reason;
  abandonment_->set.store(true);
}

void abandonAllGroups(const std::string& reason) {
  std::vector<std::shared_ptr<ProcessGroup>> alive;
  {
    std::lock_guard<std::mutex> lock(registryMutex);
    for (const auto& g : registry()) {
      if (auto group = g.lock()) alive.push_back(std::move(group));
    }
  }
  for (const auto& group : alive) group->abandon(reason);
}

#if GAZECODER_WITH_GLOO || GAZECODER_WITH_NCCL

// The c10d backend behind a uniform face: Gloo and NCCL share their collective signatures, but not
// a base class across LibTorch 1.13 (ProcessGroup) and 2.x (Backend).
struct ProcessGroup::Backend {
  c10::intrusive_ptr<c10d::Store> store;
  std::function<c10::intrusive_ptr<c10d::Work>(std::vector<at::Tensor>&, const c10d::AllreduceOptions&)> allreduce;
  std::function<c10::intrusive_ptr<c10d::Work>(std::vector<at::Tensor>&, const c10d::BroadcastOptions&)> broadcast;
};

namespace {

template <typename Group>
void bind(ProcessGroup::Backend& backend, c10::intrusive_ptr<Group> group) {
  backend.allreduce = [group](std::vector<at::Tensor>& tensors, const c10d::AllreduceOptions& options) {
    return group->allreduce(tensors, options);
  };
  backend.broadcast = [group](std::vector<at::Tensor>& tensors, const c10d::BroadcastOptions& options) {
    return group->broadcast(tensors, options);
  };
}

// A collective on `staged` (the tensor itself, or its copy on the backend's device) whose result
// lands in `target` on wait().
class PendingWork : public ProcessGroup::Pending {
 public:
  PendingWork(c10::intrusive_ptr<c10d::Work> work, torch::Tensor target, torch::Tensor staged, std::string what,
              const ProcessGroup& group, std::shared_ptr<ProcessGroup::Abandonment> abandonment)
      : work_(std::move(work)), target_(std::move(target)), staged_(std::move(staged)), what_(std::move(what)),
        rank_(group.rank()), sliced_(group.options().backend == "gloo"), abandonment_(std::move(abandonment)) {}
  void wait() override {
    try {
      if (sliced_) {
        waitInSlices();
      } else {
        work_->wait();  // NCCL's wait with a timeout would abort its communicator: it keeps its own watchdog
      }
    } catch (const DistributedError&) {
      throw;  // abandoned: already worded
    } catch (const std::exception& e) {
      throw failure(describe(e));
    }
    if (!staged_.is_same(target_)) target_.copy_(staged_);
  }

 private:
  c10::intrusive_ptr<c10d::Work> work_;
  torch::Tensor target_, staged_;
  std::string what_;
  int64_t rank_;
  bool sliced_;
  std::shared_ptr<ProcessGroup::Abandonment> abandonment_;

  DistributedError failure(const std::string& cause) const {
    return DistributedError("rank " + std::to_string(rank_) + ": " + what_ +
                            " failed: another process of the job died, hung past the timeout or cannot be reached (" +
                            cause + ")");
  }

  // Waits a slice at a time, so that abandon() ends the wait: Gloo fails a receive from a killed
  // process at once, but can leave a send to it waiting until the timeout. A completed work wakes the
  // wait at once, so the slices cost nothing while the job is healthy.
  void waitInSlices() {
    constexpr std::chrono::milliseconds kSlice{100};
    while (!work_->isCompleted()) {
      if (auto reason = abandonment_->why()) {
        abandonment_->cutShort.store(true);
        throw failure(*reason);
      }
      try {
        work_->wait(kSlice);
      } catch (const std::exception&) {
        if (work_->isCompleted()) throw;  // the collective failed; otherwise the slice ran out
      }
    }
    work_->wait();  // rethrows the collective's failure, if any
  }
};

bool isLoopback(const std::string& address) {
  return address == "localhost" || address.rfind("127.", 0) == 0 || address == "::1";
}

}  // namespace

ProcessGroup::ProcessGroup(GroupOptions options)
    : options_(std::move(options)), backend_(std::make_unique<Backend>()), abandonment_(std::make_shared<Abandonment>()) {}

ProcessGroup::~ProcessGroup() {
  // ~ProcessGroupGloo waits for its queue to drain and joins its threads; after a wait was cut short
  // one of them is stuck in the abandoned collective until the timeout. The process is ending anyway.
  if (abandonment_->cutShort.load()) (void)backend_.release();
}

std::shared_ptr<ProcessGroup> ProcessGroup::connect(const GroupOptions& options) {
  if (options.worldSize < 1 || options.rank < 0 || options.rank >= options.worldSize) {
    throw DistributedError("rank " + std::to_string(options.rank) + " is outside a job of " +
                           std::to_string(options.worldSize) + " processes");
  }
  if (options.masterPort < 1 || options.masterPort > 65535) {
    throw DistributedError("--master-port " + std::to_string(options.masterPort) + " is not a TCP port (1-65535)");
  }
  std::shared_ptr<ProcessGroup> group(new ProcessGroup(options));
  const std::string where = options.masterAddr + ":" + std::to_string(options.masterPort);
  try {
    c10d::TCPStoreOptions storeOptions;
    storeOptions.port = static_cast<uint16_t>(options.masterPort);
    storeOptions.isServer = options.rank == 0;
    storeOptions.numWorkers = static_cast<size_t>(options.worldSize);
    storeOptions.waitWorkers = true;
    storeOptions.timeout = options.timeout;
    group->backend_->store = c10::make_intrusive<c10d::TCPStore>(options.masterAddr, storeOptions);
  } catch (const std::exception& e) {
    throw DistributedError("rank " + std::to_string(options.rank) + ": the rendezvous at " + where + " failed (" +
                           describe(e) + ")");
  }
  try {
    const int rank = static_cast<int>(options.rank), size = static_cast<int>(options.worldSize);
    if (options.backend == "nccl") {
#if GAZECODER_WITH_NCCL
      auto ncclOptions = c10d::ProcessGroupNCCL::Options::create();
      ncclOptions->timeout = options.timeout;
      bind(*group->backend_, c10::make_intrusive<c10d::ProcessGroupNCCL>(group->backend_->store, rank, size, ncclOptions));
#else
      throw DistributedError("this build of gazecoder has no NCCL backend (a CUDA LibTorch with NCCL headers is needed); use gloo");
#endif
    } else if (options.backend == "gloo") {
#if GAZECODER_WITH_GLOO
      auto glooOptions = c10d::ProcessGroupGloo::Options::create(options.timeout);
      // Gloo's own way to pick the network interface wins; a loopback master means one machine.
      const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
      if (interface && *interface) {
        glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
      } else if (isLoopback(options.masterAddr)) {
        glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
      } else {
        glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
      }
      bind(*group->backend_, c10::make_intrusive<c10d::ProcessGroupGloo>(group->backend_->store, rank, size, glooOptions));
#else
      throw DistributedError("this build of gazecoder has no Gloo backend (rebuild with libgloo-dev installed)");
#endif
    } else {
      throw DistributedError("unknown c10d backend '" + options.backend + "' (gloo or nccl)");
    }
  } catch (const DistributedError&) {
    throw;
  } catch (const std::exception& e) {
    throw DistributedError("rank " + std::to_string(options.rank) + ": joining the " + options.backend +
                           " process group at " + where + " failed (" + describe(e) + ")");
  }
  remember(group);
  return group;
}

// NCCL reduces CUDA tensors only: CPU tensors (control values, checkpoint bytes) travel through a
// copy on the rank's device.
torch::Tensor ProcessGroup::staged(const torch::Tensor& tensor) const {
  if (options_.backend != "nccl" || tensor.device() == options_.device) return tensor;
  return tensor.to(options_.device);
}

std::unique_ptr<ProcessGroup::Pending> ProcessGroup::startSum(const torch::Tensor& tensor) {
  std::vector<at::Tensor> tensors{staged(tensor)};
  c10d::AllreduceOptions o;
  o.reduceOp = c10d::ReduceOp::SUM;
  return std::make_unique<PendingWork>(backend_->allreduce(tensors, o), tensor, tensors[0], "a sum across processes",
                                       *this, abandonment_);
}

void ProcessGroup::max(const torch::Tensor& tensor) {
  std::vector<at::Tensor> tensors{staged(tensor)};
  c10d::AllreduceOptions o;
  o.reduceOp = c10d::ReduceOp::MAX;
  PendingWork(backend_->allreduce(tensors, o), tensor, tensors[0], "a maximum across processes", *this,
              abandonment_)
      .wait();
}

void ProcessGroup::broadcast(const torch::Tensor& tensor, int64_t root) {
  std::vector<at::Tensor> tensors{staged(tensor)};
  c10d::BroadcastOptions o;
  o.rootRank = root;
  PendingWork(backend_->broadcast(tensors, o), tensor, tensors[0], "a broadcast from rank " + std::to_string(root),
              *this, abandonment_)
      .wait();
}

#else  // no c10d backend in this build

struct ProcessGroup::Backend {};
ProcessGroup::ProcessGroup(GroupOptions options)
    : options_(std::move(options)), abandonment_(std::make_shared<Abandonment>()) {}
ProcessGroup::~ProcessGroup() = default;

std::shared_ptr<ProcessGroup> ProcessGroup::connect(const GroupOptions&) {
  throw DistributedError(
      "this build of gazecoder has no c10d backend: install libgloo-dev (Gloo) or use a CUDA LibTorch with NCCL, "
      "then rebuild the addon");
}
std::unique_ptr<ProcessGroup::Pending> ProcessGroup::startSum(const torch::Tensor&) { throw DistributedError("no c10d"); }
void ProcessGroup::max(const torch::Tensor&) { throw DistributedError("no c10d"); }
void ProcessGroup::broadcast(const torch::Tensor&, int64_t) { throw DistributedError("no c10d"); }
torch::Tensor ProcessGroup::staged(const torch::Tensor& tensor) const { return tensor; }

#endif

std::string ProcessGroup::broadcastBytes(const std::string& bytes, int64_t root) {
  auto length = torch::tensor({static_cast<int64_t>(bytes.size())}, torch::kInt64);
  broadcast(length, root);
  auto data = torch::empty({length.item<int64_t>()}, torch::kUInt8);
  if (rank() == root && !bytes.empty()) std::memcpy(data.data_ptr<uint8_t>(), bytes.data(), bytes.size());
  if (data.numel() > 0) broadcast(data, root);
  return std::string(reinterpret_cast<const char*>(data.data_ptr<uint8_t>()), static_cast<size_t>(data.numel()));
}

}  // namespace gazecoder::distributed
