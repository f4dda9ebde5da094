#pragma once
// The processes of a data-parallel job, joined through LibTorch's c10d: a TCPStore rendezvous at
// the master's address, then NCCL (CUDA tensors) or Gloo (CPU). The c10d types stay in the .cpp so
// that a LibTorch built without them still builds the rest of the core.
#include <torch/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace gazecoder::distributed {

// A collective or the rendezvous failed: a peer died, hung past the timeout, or cannot be reached.
class DistributedError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GroupOptions {
  int64_t rank = 0;
  int64_t worldSize = 1;
  std::string masterAddr = "127.0.0.1";
  int64_t masterPort = 29500;
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};  // per collective and for the rendezvous
  std::string backend = "gloo";                                  // "gloo" or "nccl"
  torch::Device device{torch::kCPU};                             // this rank's device (NCCL's tensors live there)
};

// The c10d backends this build can use, e.g. {"gloo"}; empty when built without c10d.
std::vector<std::string> availableBackends();
// The backend for ranks on `device`: NCCL for CUDA where this build has it, else Gloo.
std::string backendFor(const torch::Device& device);

class ProcessGroup {
 public:
  // Blocks until all `worldSize` ranks have joined (or the timeout passes); throws DistributedError.
  static std::shared_ptr<ProcessGroup> connect(const GroupOptions& options);
  ~ProcessGroup();
  ProcessGroup(const ProcessGroup&) = delete;
  ProcessGroup& operator=(const ProcessGroup&) = delete;

  int64_t rank() const { return options_.rank; }
  int64_t size() const { return options_.worldSize; }
  const GroupOptions& options() const { return options_; }

  // A collective in flight; wait() rethrows its failure as DistributedError.
  class Pending {
   public:
    virtual ~Pending() = default;
    virtual void wait() = 0;
  };

  // Element-wise sum across ranks, in place.
  std::unique_ptr<Pending> startSum(const torch::Tensor& tensor);
  void sum(const torch::Tensor& tensor) { startSum(tensor)->wait(); }
  // Element-wise maximum across ranks, in place.
  void max(const torch::Tensor& tensor);
  // Overwrites `tensor` on every rank with rank `root`'s.
  void broadcast(const torch::Tensor& tensor, int64_t root = 0);
  // Rank `root`'s bytes, on every rank.
  std::string broadcastBytes(const std::string& bytes, int64_t root = 0);

  // Makes every wait on this group's collectives, now or later, fail with DistributedError naming
  // `reason`: for a launcher that knows another process of the job has ended (Gloo does not fail a
  // send to a killed process before the timeout). Thread-safe. A group whose wait was cut short is
  // left to the process's end rather than torn down: the stuck Gloo thread would block its destructor.
  void abandon(const std::string& reason);

  struct Backend;      // the c10d objects (defined in the .cpp)
  struct Abandonment;  // abandon()'s reason, shared with the waits in flight

 private:
  explicit ProcessGroup(GroupOptions options);
  torch::Tensor staged(const torch::Tensor& tensor) const;
  GroupOptions options_;
  std::unique_ptr<Backend> backend_;
  std::shared_ptr<Abandonment> abandonment_;
};

// abandon(reason) on every ProcessGroup alive in this process (what a worker does when its launcher
// says another worker has ended).
void abandonAllGroups(const std::string& reason);

}  // namespace gazecoder::distributed
