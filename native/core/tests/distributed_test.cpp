// The data-parallel pieces against one process doing the same work: two ranks run as threads of this
// test, joined over loopback by the real c10d (Gloo).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <torch/torch.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "gazecoder/distributed/batch_shard.h"
#include "gazecoder/distributed/gradient_reducer.h"
#include "gazecoder/distributed/process_group.h"

namespace gazecoder::distributed {
namespace {

bool haveGloo() {
  const auto backends = availableBackends();
  return std::find(backends.begin(), backends.end(), "gloo") != backends.end();
}

// Skipped only where Gloo is not installed: when set-up installed libgloo-dev, a build without the
// backend is a broken build, which must not pass as a skip.
#define REQUIRE_GLOO()                                                                                          \
  if (!haveGloo()) {                                                                                            \
    if (std::filesystem::exists("/usr/include/gloo")) {                                                        \
      FAIL() << "/usr/include/gloo exists (libgloo-dev) but gazecoder_core was built without c10d Gloo; "       \
                "rebuild (node native/scripts/build.mjs) and see cmake's 'gazecoder: c10d gloo' line";          \
    }                                                                                                           \
    GTEST_SKIP() << "built without c10d Gloo (libgloo-dev is not installed)";                                   \
  }

int freePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  const int port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

GroupOptions loopback(int64_t rank, int64_t world, int port, std::chrono::seconds timeout) {
  GroupOptions o;
  o.rank = rank;
  o.worldSize = world;
  o.masterPort = port;
  o.timeout = timeout;
  return o;
}

// Runs body(group) on `world` threads, one rank each; rethrows the first failure.
void onRanks(int64_t world, const std::function<void(ProcessGroup&)>& body) {
  const int port = freePort();
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(static_cast<size_t>(world));
  for (int64_t rank = 0; rank < world; ++rank) {
    threads.emplace_back([&, rank] {
      try {
        auto group = ProcessGroup::connect(loopback(rank, world, port, std::chrono::seconds(60)));
        body(*group);
      } catch (...) {
        errors[static_cast<size_t>(rank)] = std::current_exception();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
}

TEST(Distributed, SumMaxAndBroadcastAcrossRanks) {
  REQUIRE_GLOO();
  onRanks(3, [](ProcessGroup& group) {
    auto value = torch::full({4}, static_cast<double>(group.rank() + 1), torch::kFloat64);
    group.sum(value);
    EXPECT_TRUE(torch::equal(value, torch::full({4}, 6.0, torch::kFloat64)));
    auto biggest = torch::tensor({static_cast<int64_t>(group.rank() * 10)});
    group.max(biggest);
    EXPECT_EQ(biggest.item<int64_t>(), 20);
    const std::string bytes = group.broadcastBytes(group.rank() == 1 ? std::string("from rank one\0!", 15) : "", 1);
    EXPECT_EQ(bytes, std::string("from rank one\0!", 15));
  });
}

TEST(Distributed, ConnectRejectsABadRankAndAnUnreachableMaster) {
  GroupOptions o;
  o.rank = 2;
  o.worldSize = 2;
  EXPECT_THROW(ProcessGroup::connect(o), DistributedError);
  REQUIRE_GLOO();
  o.rank = 1;
  o.masterPort = freePort();  // nobody listens there
  o.timeout = std::chrono::seconds(2);
  try {
    ProcessGroup::connect(o);
    FAIL() << "connected to nothing";
  } catch (const DistributedError& e) {
    EXPECT_NE(std::string(e.what()).find("rendezvous at 127.0.0.1:" + std::to_string(o.masterPort)), std::string::npos)
        << e.what();
  }
}

// A small net with BatchNorm 2d and 1d and dropout, written with the shard-aware layers.
struct Net : torch::nn::Module {
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn2{nullptr};
  torch::nn::Linear fc{nullptr};
  torch::nn::BatchNorm1d bn1{nullptr};
  torch::nn::Dropout drop{nullptr};
  torch::nn::Linear head{nullptr};
  explicit Net(double dropoutP = 0.3) {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3).bias(false)));
    bn2 = register_module("bn2", torch::nn::BatchNorm2d(4));
    fc = register_module("fc", torch::nn::Linear(4 * 6 * 6, 8));
    bn1 = register_module("bn1", torch::nn::BatchNorm1d(8));
    drop = register_module("drop", torch::nn::Dropout(dropoutP));
    head = register_module("head", torch::nn::Linear(8, 3));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    auto y = torch::relu(batchNorm(*bn2, conv->forward(x))).flatten(1);
    y = dropout(*drop, torch::relu(batchNorm(*bn1, fc->forward(y))));
    return head->forward(y);
  }
};

std::shared_ptr<Net> seededNet(double dropoutP = 0.3) {
  torch::manual_seed(7);
  return std::make_shared<Net>(dropoutP);
}

struct Reference {
  std::vector<torch::Tensor> grads, buffers;
  torch::Tensor inputGrad;
};

// One process on the whole batch: mean loss, plain BatchNorm. (The ranks below are threads sharing
// LibTorch's global generator, so dropout is checked on its own, in DropoutOfAShardIs...)
Reference singleProcess(const torch::Tensor& x, const torch::Tensor& labels) {
  auto net = seededNet(0);
  net->train();
  const auto input = x.clone().requires_grad_(true);
  torch::nn::functional::cross_entropy(net->forward(input), labels).backward();
  Reference r;
  for (const auto& p : net->parameters()) r.grads.push_back(p.grad().clone());
  for (const auto& b : net->buffers()) r.buffers.push_back(b.clone());
  r.inputGrad = input.grad().clone();
  return r;
}

TEST(Distributed, SyncBatchNormAndBucketsTrainLikeOneProcessOnTheGlobalBatch) {
  REQUIRE_GLOO();
  torch::manual_seed(3);
  const auto x = torch::randn({10, 3, 8, 8});
  const auto labels = torch::randint(3, {10});
  const Reference expected = singleProcess(x, labels);
  const int64_t splits[] = {0, 4, 10};  // uneven slices, as the loader makes for odd batches
  const std::vector<std::shared_ptr<Net>> nets{seededNet(0), seededNet(0)};
  onRanks(2, [&](ProcessGroup& group) {
    const int64_t rank = group.rank();
    const int64_t begin = splits[rank], end = splits[rank + 1];
    const auto& net = nets[static_cast<size_t>(rank)];
    net->train();
    // Tiny buckets: several collectives in flight during backward.
    GradientReducer reducer(std::shared_ptr<ProcessGroup>(&group, [](ProcessGroup*) {}), net->parameters(), 256);
    EXPECT_GT(reducer.bucketCount(), 2);
    const auto input = x.slice(0, begin, end).clone().requires_grad_(true);
    BatchShard shard{begin, end - begin, 10, std::shared_ptr<ProcessGroup>(&group, [](ProcessGroup*) {})};
    torch::Tensor loss;
    {
      BatchShardScope scope(&shard);
      loss = torch::nn::functional::cross_entropy(net->forward(input), labels.slice(0, begin, end),
                                                  torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum)) /
             10.0;
    }
    reducer.prepare();
    loss.backward();
    reducer.finish();
    const auto params = net->parameters();
    for (size_t k = 0; k < params.size(); ++k) {
      EXPECT_TRUE(torch::allclose(params[k].grad(), expected.grads[k], 1e-4, 1e-6)) << "parameter " << k;
    }
    const auto buffers = net->buffers();
    for (size_t k = 0; k < buffers.size(); ++k) {
      EXPECT_TRUE(torch::allclose(buffers[k].to(torch::kFloat64), expected.buffers[k].to(torch::kFloat64), 1e-4, 1e-6))
          << "buffer " << k;
    }
    EXPECT_TRUE(torch::allclose(input.grad(), expected.inputGrad.slice(0, begin, end), 1e-4, 1e-6));
  });
}

TEST(Distributed, DropoutOfAShardIsItsRowsOfTheGlobalBatchsMask) {
  torch::nn::Dropout layer(0.4);
  layer->train();
  const auto x = torch::randn({12, 5}) + 3;  // 6 samples of 2 rows each
  torch::manual_seed(11);
  const auto whole = layer->forward(x);
  const BatchShard shard{2, 3, 6, nullptr};
  BatchShardScope scope(&shard);
  torch::manual_seed(11);
  const auto part = dropout(*layer, x.slice(0, 4, 10));
  EXPECT_TRUE(torch::equal(part, whole.slice(0, 4, 10)));
}

TEST(Distributed, WithoutAScopeTheLayersAreTorchsOwn) {
  auto net = seededNet();
  net->train();
  const auto x = torch::randn({6, 3, 8, 8});
  torch::manual_seed(5);
  const auto ours = net->forward(x);
  torch::manual_seed(5);
  auto y = torch::relu(net->bn2->forward(net->conv->forward(x))).flatten(1);
  y = net->drop->forward(torch::relu(net->bn1->forward(net->fc->forward(y))));
  EXPECT_TRUE(torch::equal(ours, net->head->forward(y)));
}

TEST(Distributed, ACollectiveWithADeadPeerFailsWithAClearError) {
  REQUIRE_GLOO();
  const int port = freePort();
  std::string message;
  std::thread survivor([&] {
    auto group = ProcessGroup::connect(loopback(0, 2, port, std::chrono::seconds(3)));
    auto value = torch::ones({2});
    group->sum(value);  // both ranks are alive for this one
    try {
      group->sum(value);  // rank 1 has left
    } catch (const DistributedError& e) {
      message = e.what();
    }
  });
  {
    auto group = ProcessGroup::connect(loopback(1, 2, port, std::chrono::seconds(3)));
    auto value = torch::ones({2});
    group->sum(value);
  }  // rank 1's group is destroyed: its connections close
  survivor.join();
  EXPECT_NE(message.find("rank 0: a sum across processes failed"), std::string::npos) << message;
}


// What a worker does when its launcher says another worker has ended: the wait in flight (here a sum
// that rank 1 never joins) ends at once with the reason, not after the 60-s timeout.
TEST(Distributed, AbandoningTheGroupsEndsAWaitInFlight) {
  REQUIRE_GLOO();
  const int port = freePort();
  std::string message;
  std::chrono::steady_clock::duration waited{};
  std::atomic<bool> rank0Done{false};
  std::thread rank0([&] {
    auto group = ProcessGroup::connect(loopback(0, 2, port, std::chrono::seconds(60)));
    auto value = torch::ones({2});
    group->sum(value);  // both ranks take part in this one
    const auto start = std::chrono::steady_clock::now();
    try {
      group->sum(value);
    } catch (const DistributedError& e) {
      message = e.what();
    }
    waited = std::chrono::steady_clock::now() - start;
    rank0Done = true;
  });
  auto group = ProcessGroup::connect(loopback(1, 2, port, std::chrono::seconds(60)));
  auto value = torch::ones({2});
  group->sum(value);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  abandonAllGroups("rank 1 (pid 4242) was killed by SIGKILL");
  for (int i = 0; i < 100 && !rank0Done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(rank0Done.load()) << "rank 0 still waits 5 s after abandonAllGroups";
  group.reset();  // rank 1 leaves: rank 0's stuck Gloo thread then fails too, and rank 0 can end
  rank0.join();
  EXPECT_NE(message.find("rank 0: a sum across processes failed: another process of the job died"), std::string::npos)
      << message;
  const std::string reason = "cannot be reached (rank 1 (pid 4242) was killed by SIGKILL)";  // worded once
  ASSERT_GT(message.size(), reason.size()) << message;
  EXPECT_EQ(message.substr(message.size() - reason.size()), reason);
  EXPECT_EQ(message.find("another process"), message.rfind("another process")) << message;
  EXPECT_LT(waited, std::chrono::seconds(3));
}

}  // namespace
}  // namespace gazecoder::distributed
