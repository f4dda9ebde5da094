#pragma once
// A few seconds of real training that answers "does my install work": a small conv net learns to
// tell two synthetic image classes apart, and its loss must fall.
#include <cstdint>
#include <string>
#include <vector>

namespace gazecoder {

struct SelfTestOptions {
  int steps = 30;
  int batchSize = 16;
  int imageSize = 32;
  uint64_t seed = 0;
  std::string device = "auto";
};

struct SelfTestResult {
  std::string device;
  std::vector<double> losses;  // one per step
  double seconds = 0;
  bool lossFell() const;       // the mean of the last quarter is below the mean of the first quarter
};

SelfTestResult runSelfTest(const SelfTestOptions& options);

}  // namespace gazecoder
