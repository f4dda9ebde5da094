#pragma once
// Data-parallel gradient synchronisation, as PyTorch's DistributedDataParallel does it: parameters
// are grouped into buckets of about `bucketBytes` (in reverse registration order, roughly the order in
// which backward produces their gradients); a hook copies each gradient into its bucket as soon as
// autograd computes it, and a full bucket starts its sum across processes while backward goes on.
// Buckets start strictly in order, so every rank issues the same collectives in the same order.
#include <torch/types.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "gazecoder/distributed/process_group.h"

namespace gazecoder::distributed {

class GradientReducer {
 public:
  GradientReducer(std::shared_ptr<ProcessGroup> group, std::vector<torch::Tensor> parameters,
                  int64_t bucketBytes = 25 * 1024 * 1024);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Call before each backward pass.
  void prepare();
  // Call after backward: waits for every bucket and writes each parameter's summed gradient into
  // its .grad (a parameter that got no gradient on some rank counts as zero there).
  void finish();
  int64_t bucketCount() const { return static_cast<int64_t>(buckets_.size()); }

 private:
  struct Slot {
    size_t bucket;
    int64_t offset;
  };
  struct Bucket {
    torch::Tensor flat;
    std::vector<size_t> parameters;
    size_t ready = 0;
    std::unique_ptr<ProcessGroup::Pending> pending;
  };

  std::shared_ptr<ProcessGroup> group_;
  std::vector<torch::Tensor> parameters_;
  std::vector<Slot> slots_;
  std::vector<Bucket> buckets_;
  std::vector<bool> arrived_;
  std::vector<unsigned> hooks_;
  size_t nextToStart_ = 0;
  std::mutex mutex_;

  void onGradient(size_t parameter, const torch::Tensor& grad);
  void startReadyBuckets();  // mutex_ held
};

}  // namespace gazecoder::distributed
