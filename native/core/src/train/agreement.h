#pragma once
// How the processes of a run agree: that they stop after the same step, on the sums of their
// metrics, on rank 0's weights and buffers, and on rank 0's verdicts (a resume check, a write). One
// process agrees with itself; the ranks of a data-parallel job agree through its c10d process group.
#include <torch/torch.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gazecoder/distributed/process_group.h"
#include "gazecoder/train/train_config.h"

namespace gazecoder::train {

class Agreement {
 public:
  virtual ~Agreement() = default;

  virtual int64_t rank() const = 0;
  virtual int64_t size() const = 0;
  // Rank 0 of a job, or the only process: it alone writes the run folder.
  bool leader() const { return rank() == 0; }
  // The job's process group; null for one process.
  virtual std::shared_ptr<distributed::ProcessGroup> group() const = 0;

  // Whether to stop after the current step: the caller's request, as every rank of a job learned it
  // at the latest sum.
  virtual bool stopRequested() const = 0;
  // `values` summed across the job, which also learns whether any rank's caller asked to stop.
  virtual std::vector<double> sumWithStop(std::vector<double> values) = 0;
  // Rank 0's tensors, in place on every rank (as DistributedDataParallel's broadcasts).
  virtual void broadcast(const std::vector<torch::Tensor>& tensors) = 0;
  // Rank 0's bytes on every rank.
  virtual std::string fromLeader(const std::string& bytes) = 0;
};

// The only process of a run: `stop` is its caller's request.
std::unique_ptr<Agreement> singleProcess(const std::atomic<bool>& stop);

// A rank of a data-parallel job: joins it (the rendezvous waits for every rank) on `device`'s backend.
std::unique_ptr<Agreement> joinJob(const DistributedRequest& job, const std::string& device, const std::atomic<bool>& stop);

}  // namespace gazecoder::train
