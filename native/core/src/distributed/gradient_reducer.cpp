#include "gazecoder/distributed/gradient_reducer.h"

#include <torch/torch.h>

namespace gazecoder::distributed {

GradientReducer::GradientReducer(std::shared_ptr<ProcessGroup> group, std::vector<torch::Tensor> parameters,
                                 int64_t bucketBytes)
    : group_(std::move(group)), parameters_(std::move(parameters)) {
  slots_.resize(parameters_.size());
  arrived_.assign(parameters_.size(), false);
  // Reverse order: the last layers' gradients come first in backward.
  std::vector<int64_t> sizes;
  for (size_t k = parameters_.size(); k-- > 0;) {
    const auto& p = parameters_[k];
    const int64_t bytes = p.numel() * static_cast<int64_t>(p.element_size());
    const bool fits = !buckets_.empty() && sizes.back() + bytes <= bucketBytes &&
                      parameters_[buckets_.back().parameters.front()].scalar_type() == p.scalar_type() &&
                      parameters_[buckets_.back().parameters.front()].device() == p.device();
    if (!fits) {
      buckets_.emplace_back();
      sizes.push_back(0);
    }
    auto& bucket = buckets_.back();
    slots_[k] = {buckets_.size() - 1, sizes.back() / static_cast<int64_t>(p.element_size())};
    bucket.parameters.push_back(k);
    sizes.back() += bytes;
  }
  for (size_t b = 0; b < buckets_.size(); ++b) {
    const auto& first = parameters_[buckets_[b].parameters.front()];
    buckets_[b].flat = torch::zeros({sizes[b] / static_cast<int64_t>(first.element_size())}, first.options());
  }
  for (size_t k = 0; k < parameters_.size(); ++k) {
    hooks_.push_back(parameters_[k].register_hook([this, k](torch::Tensor grad) { onGradient(k, grad); }));
  }
}

GradientReducer::~GradientReducer() {
  for (size_t k = 0; k < hooks_.size(); ++k) parameters_[k].remove_hook(hooks_[k]);
  // Collectives still in flight write into our buckets: let them land first.
  for (auto& bucket : buckets_) {
    if (!bucket.pending) continue;
    try {
      bucket.pending->wait();
    } catch (const std::exception&) {
      // The failure was (or will be) reported by finish(); a destructor must not throw.
    }
  }
}

void GradientReducer::prepare() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto& bucket : buckets_) {
    bucket.ready = 0;
    bucket.pending.reset();
  }
  std::fill(arrived_.begin(), arrived_.end(), false);
  nextToStart_ = 0;
}

void GradientReducer::onGradient(size_t parameter, const torch::Tensor& grad) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (arrived_[parameter]) return;  // a second backward without prepare(): finish() handles it
  const Slot slot = slots_[parameter];
  auto& bucket = buckets_[slot.bucket];
  // view_as keeps the logical (NCHW) order even when the gradient is channels_last.
  bucket.flat.narrow(0, slot.offset, grad.numel()).view_as(grad).copy_(grad);
  arrived_[parameter] = true;
  ++bucket.ready;
  startReadyBuckets();
}

void GradientReducer::startReadyBuckets() {
  while (nextToStart_ < buckets_.size() && buckets_[nextToStart_].ready == buckets_[nextToStart_].parameters.size()) {
    auto& bucket = buckets_[nextToStart_++];
    bucket.pending = group_->startSum(bucket.flat);
  }
}

void GradientReducer::finish() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    // Parameters outside this rank's graph contribute zeros, so the buckets still start in order.
    for (size_t k = 0; k < parameters_.size(); ++k) {
      if (arrived_[k]) continue;
      const Slot slot = slots_[k];
      buckets_[slot.bucket].flat.narrow(0, slot.offset, parameters_[k].numel()).zero_();
      arrived_[k] = true;
      ++buckets_[slot.bucket].ready;
    }
    startReadyBuckets();
  }
  for (auto& bucket : buckets_) {
    bucket.pending->wait();
    bucket.pending.reset();
    for (const size_t k : bucket.parameters) {
      auto& p = parameters_[k];
      const auto summed = bucket.flat.narrow(0, slots_[k].offset, p.numel()).view(p.sizes());
      if (p.grad().defined()) {
        p.mutable_grad().copy_(summed);
      } else {
        p.mutable_grad() = summed.clone(at::MemoryFormat::Preserve).contiguous(p.suggest_memory_format());
      }
    }
  }
}

}  // namespace gazecoder::distributed
