#pragma once
// What the layers of a model need to know when each process trains on a slice of one global batch:
// where the slice lies (so that dropout draws the global batch's mask and keeps its own rows, as one
// process would) and, with synchronized BatchNorm, the process group whose batch statistics to pool.
// A scope sets it for the forward passes on the calling thread, as an autocast scope sets the dtype.
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/dropout.h>
#include <torch/types.h>

#include <cstdint>
#include <memory>

#include "gazecoder/distributed/process_group.h"

namespace gazecoder::distributed {

struct BatchShard {
  int64_t offset = 0;      // of this rank's first sample in the global batch
  int64_t size = 0;        // samples of this rank
  int64_t globalSize = 0;  // samples in the global batch
  std::shared_ptr<ProcessGroup> syncBatchNorm;  // pool BatchNorm statistics over this group; null: per rank
};

class BatchShardScope {
 public:
  explicit BatchShardScope(const BatchShard* shard);
  ~BatchShardScope();
  BatchShardScope(const BatchShardScope&) = delete;
  BatchShardScope& operator=(const BatchShardScope&) = delete;

 private:
  const BatchShard* previous_;
};

// The shard of the current scope on this thread, or null.
const BatchShard* currentBatchShard();

// bn(x), with statistics pooled across the scope's group when it synchronizes BatchNorm and the
// layer is training. x: N×C or N×C×H×W.
torch::Tensor batchNorm(torch::nn::BatchNorm1dImpl& bn, const torch::Tensor& x);
torch::Tensor batchNorm(torch::nn::BatchNorm2dImpl& bn, const torch::Tensor& x);
// dropout(x) whose mask, under a scope, is the rows [offset, offset + N) of the mask one process
// would draw for the global batch (x: N×…, with the samples of the batch as rows, N·k rows for k
// rows per sample).
torch::Tensor dropout(torch::nn::DropoutImpl& layer, const torch::Tensor& x);

}  // namespace gazecoder::distributed
