#pragma once
// What the process runs on: LibTorch build, devices, threads, BLAS. Knows nothing of Node.
#include <cstdint>
#include <string>
#include <vector>

namespace gazecoder {

struct GpuInfo {
  int index = 0;
  std::string name;
  int64_t totalMemoryBytes = 0;
  int computeCapabilityMajor = 0;
  int computeCapabilityMinor = 0;
};

struct RuntimeInfo {
  std::string gazecoderVersion;
  std::string torchVersion;      // e.g. "1.13.0"
  bool torchBuiltWithCuda = false;
  bool cudaAvailable = false;
  std::string cudnnVersion;      // empty without cuDNN
  std::vector<GpuInfo> gpus;
  int intraOpThreads = 0;
  int interOpThreads = 0;
  std::string parallelBackend;   // "OpenMP", "native thread pool", ...
  std::string blas;              // the BLAS library actually loaded, e.g. "libopenblasp-r0.3.21.so"
  std::string cpuCapability;     // ATen's kernel dispatch level, e.g. "AVX2"
  std::vector<std::string> distributedBackends;  // c10d backends for data-parallel jobs, e.g. {"gloo"}
};

RuntimeInfo runtimeInfo();

// More intra-op threads than this is a typo: OpenMP would fail to start them and end the process.
constexpr int kMaxThreads = 1024;

// Sets LibTorch's intra-op thread count; n <= 0 means one per hardware thread. Throws
// std::invalid_argument above kMaxThreads. Returns the count in effect.
int configureThreads(int n);

}  // namespace gazecoder
