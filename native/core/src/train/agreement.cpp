#include "agreement.h"

#include <algorithm>
#include <chrono>

#include "gazecoder/device.h"

namespace gazecoder::train {
namespace {

class SingleProcess final : public Agreement {
 public:
  explicit SingleProcess(const std::atomic<bool>& stop) : stop_(stop) {}
  int64_t rank() const override { return 0; }
  int64_t size() const override { return 1; }
  std::shared_ptr<distributed::ProcessGroup> group() const override { return nullptr; }
  bool stopRequested() const override { return stop_.load(); }
  std::vector<double> sumWithStop(std::vector<double> values) override { return values; }
  void broadcast(const std::vector<torch::Tensor>&) override {}
  std::string fromLeader(const std::string& bytes) override { return bytes; }

 private:
  const std::atomic<bool>& stop_;
};

class C10dJob final : public Agreement {
 public:
  C10dJob(std::shared_ptr<distributed::ProcessGroup> group, const std::atomic<bool>& stop)
      : group_(std::move(group)), stop_(stop) {}
  int64_t rank() const override { return group_->rank(); }
  int64_t size() const override { return group_->size(); }
  std::shared_ptr<distributed::ProcessGroup> group() const override { return group_; }
  // Every rank must stop after the same step: the verdict of the latest sum, not the local flag.
  bool stopRequested() const override { return agreedStop_; }

  std::vector<double> sumWithStop(std::vector<double> values) override {
    values.push_back(stop_.load() ? 1 : 0);
    auto t = torch::tensor(values, torch::kFloat64);
    group_->sum(t);
    const int64_t n = static_cast<int64_t>(values.size()) - 1;
    agreedStop_ = t[n].item<double>() > 0;
    std::vector<double> sums;
    for (int64_t i = 0; i < n; ++i) sums.push_back(t[i].item<double>());
    return sums;
  }

  void broadcast(const std::vector<torch::Tensor>& tensors) override {
    for (const auto& t : tensors) group_->broadcast(t);
  }
  std::string fromLeader(const std::string& bytes) override { return group_->broadcastBytes(bytes); }

 private:
  std::shared_ptr<distributed::ProcessGroup> group_;
  const std::atomic<bool>& stop_;
  bool agreedStop_ = false;
};

}  // namespace

std::unique_ptr<Agreement> singleProcess(const std::atomic<bool>& stop) { return std::make_unique<SingleProcess>(stop); }

std::unique_ptr<Agreement> joinJob(const DistributedRequest& job, const std::string& device, const std::atomic<bool>& stop) {
  distributed::GroupOptions o;
  o.rank = job.rank;
  o.worldSize = job.worldSize;
  o.masterAddr = job.masterAddr;
  o.masterPort = job.masterPort;
  o.timeout = std::chrono::milliseconds(std::max<int64_t>(job.timeoutSeconds, 1) * 1000);
  o.device = resolveDevice(device);
  o.backend = distributed::backendFor(o.device);
  return std::make_unique<C10dJob>(distributed::ProcessGroup::connect(o), stop);
}

}  // namespace gazecoder::train
