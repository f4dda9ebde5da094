#include "gazecoder/self_test.h"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "gazecoder/device.h"

namespace gazecoder {
namespace {

struct TinyConvNetImpl : torch::nn::Module {
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr};
  torch::nn::Linear fc{nullptr};

  TinyConvNetImpl() {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 8, 3).stride(2).padding(1)));
    bn1 = register_module("bn1", torch::nn::BatchNorm2d(8));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(8, 16, 3).stride(2).padding(1)));
    fc = register_module("fc", torch::nn::Linear(16, 2));
  }

  torch::Tensor forward(const torch::Tensor& x) {
    auto h = torch::relu(bn1(conv1(x)));
    h = torch::relu(conv2(h));
    return fc(h.mean({2, 3}));
  }
};
TORCH_MODULE(TinyConvNet);

double mean(std::vector<double>::const_iterator begin, std::vector<double>::const_iterator end) {
  return std::accumulate(begin, end, 0.0) / static_cast<double>(std::distance(begin, end));
}

}  // namespace

bool SelfTestResult::lossFell() const {
  if (losses.size() < 4) return false;
  const auto quarter = static_cast<std::ptrdiff_t>(losses.size() / 4);
  return mean(losses.end() - quarter, losses.end()) < mean(losses.begin(), losses.begin() + quarter);
}

SelfTestResult runSelfTest(const SelfTestOptions& options) {
  if (options.steps < 1) throw std::invalid_argument("self-test steps must be at least 1");
  if (options.batchSize < 2) throw std::invalid_argument("self-test batch size must be at least 2");
  const auto started = std::chrono::steady_clock::now();
  const torch::Device device = resolveDevice(options.device);

  // A private generator keeps concurrent self-tests from interleaving torch's global RNG.
  auto generator = at::detail::createCPUGenerator(options.seed);
  TinyConvNet net;
  {
    torch::NoGradGuard noGrad;
    // Initialised from the private generator too, so that the run is reproducible.
    for (auto& item : net->named_parameters()) {
      auto& p = item.value();
      if (p.dim() > 1) {
        p.normal_(0.0, std::sqrt(2.0 / static_cast<double>(p[0].numel())), generator);
      } else if (item.key().find("bias") != std::string::npos) {
        p.zero_();
      }
    }
  }
  net->to(device);
  torch::optim::Adam optimizer(net->parameters(), torch::optim::AdamOptions(1e-2));

  SelfTestResult result;
  result.device = device.str();
  const auto cpu = torch::TensorOptions().dtype(torch::kFloat32);
  for (int step = 0; step < options.steps; ++step) {
    // Class 1 images are brighter on the left half: easy to learn, impossible to guess.
    auto labels = torch::randint(0, 2, {options.batchSize}, generator, torch::TensorOptions().dtype(torch::kLong));
    auto images = torch::randn({options.batchSize, 3, options.imageSize, options.imageSize}, generator, cpu);
    auto halfWidth = options.imageSize / 2;
    images.narrow(3, 0, halfWidth) += labels.to(torch::kFloat32).view({-1, 1, 1, 1}) * 1.5;

    optimizer.zero_grad();
    auto loss = torch::nn::functional::cross_entropy(net->forward(images.to(device)), labels.to(device));
    loss.backward();
    optimizer.step();
    result.losses.push_back(loss.item<double>());
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace gazecoder
