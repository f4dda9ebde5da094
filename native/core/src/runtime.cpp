#include "gazecoder/runtime.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <link.h>
#include <torch/cuda.h>
#include <torch/version.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>

#include "gazecoder/build_config.h"
#include "gazecoder/distributed/process_group.h"

#if GAZECODER_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

namespace gazecoder {
namespace {

std::string lineValue(const std::string& text, const std::string& key) {
  auto pos = text.find(key);
  if (pos == std::string::npos) return "";
  pos += key.size();
  auto end = text.find_first_of(",\n", pos);
  auto value = text.substr(pos, end - pos);
  value.erase(0, value.find_first_not_of(" :="));
  return value;
}

// Torch reports only how it was configured (Debian: "generic"); the shared object that the
// dynamic loader actually mapped is the BLAS in use.
std::string loadedBlas() {
  std::string found;
  dl_iterate_phdr(
      [](dl_phdr_info* info, size_t, void* out) {
        const char* path = info->dlpi_name;
        if (path == nullptr || *path == '\0') return 0;
        const char* base = std::strrchr(path, '/');
        base = base ? base + 1 : path;
        for (const char* lib : {"openblas", "libmkl_rt", "libmkl_core", "libblis", "libblas"}) {
          if (std::strstr(base, lib) != nullptr) {
            *static_cast<std::string*>(out) = path;
            return 1;
          }
        }
        return 0;
      },
      &found);
  if (found.empty()) {
    // PyTorch wheels link MKL statically into libtorch_cpu: no BLAS shared object to see.
    return at::hasMKL() ? "MKL (linked into LibTorch)" : lineValue(at::show_config(), "BLAS_INFO");
  }
  // Debian loads BLAS through the alternatives symlink libblas.so.3; the target names the real one.
  char resolved[PATH_MAX];
  return realpath(found.c_str(), resolved) != nullptr ? std::string(resolved) : found;
}

// cuDNN 9 encodes its version as major*10000 + minor*100 + patch, earlier ones as major*1000 + ...
std::string cudnnVersionString(long v) {
  const bool nine = v >= 90000;
  const long major = nine ? v / 10000 : v / 1000;
  const long minor = nine ? (v / 100) % 100 : (v / 100) % 10;
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(v % 100);
}

}  // namespace

RuntimeInfo runtimeInfo() {
  RuntimeInfo info;
  info.gazecoderVersion = GAZECODER_VERSION;
  info.torchVersion = TORCH_VERSION;
  const auto& hooks = at::detail::getCUDAHooks();
  info.torchBuiltWithCuda = GAZECODER_WITH_CUDA || hooks.hasCUDA();
  info.cudaAvailable = torch::cuda::is_available();
  if (info.cudaAvailable && hooks.hasCuDNN()) info.cudnnVersion = cudnnVersionString(hooks.versionCuDNN());
#if GAZECODER_WITH_CUDA
  for (int i = 0; i < static_cast<int>(torch::cuda::device_count()); ++i) {
    const cudaDeviceProp* p = at::cuda::getDeviceProperties(i);
    info.gpus.push_back({i, p->name, static_cast<int64_t>(p->totalGlobalMem), p->major, p->minor});
  }
#endif
  info.intraOpThreads = at::get_num_threads();
  info.interOpThreads = at::get_num_interop_threads();
  const std::string parallel = at::get_parallel_info();
  info.parallelBackend = lineValue(parallel, "ATen parallel backend");
  info.blas = loadedBlas();
  info.cpuCapability = lineValue(at::show_config(), "CPU capability usage");
  info.distributedBackends = distributed::availableBackends();
  return info;
}

int configureThreads(int n) {
  if (n > kMaxThreads) {
    throw std::invalid_argument("at most " + std::to_string(kMaxThreads) + " threads, got " + std::to_string(n));
  }
  if (n <= 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  at::set_num_threads(n);
  return at::get_num_threads();
}

}  // namespace gazecoder
