#pragma once
// Shared by the training tests: the Python fixtures of test/python/fixtures_training.py (folder from
// GAZECODER_FIXTURES, set by ctest), temp folders, error capture.
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "gazecoder/checkpoint/checkpoint.h"
#include "gazecoder/train/dataset.h"

namespace gazecoder::train::testing {

inline std::filesystem::path trainingFixtures() {
  const char* dir = std::getenv("GAZECODER_FIXTURES");
  return dir == nullptr ? std::filesystem::path() : std::filesystem::path(dir) / "training";
}

#define REQUIRE_TRAINING_FIXTURES() \
  if (::gazecoder::train::testing::trainingFixtures().empty()) GTEST_SKIP() << "GAZECODER_FIXTURES is not set (run via ctest)"

// A fixture file's top-level dict.
inline c10::impl::GenericDict loadFixture(const std::string& name) {
  return loadPickled((trainingFixtures() / name).string()).toGenericDict();
}

inline torch::Tensor tensorAt(const c10::impl::GenericDict& d, const std::string& key) {
  const auto found = d.find(key);
  if (found == d.end()) throw std::runtime_error("fixture has no '" + key + "'");
  return found->value().toTensor();
}

inline std::string errorOf(const std::function<void()>& call) {
  try {
    call();
  } catch (const c10::Error& e) {
    return e.what_without_backtrace();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

// A fresh folder under the temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "gazecoder-train-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A fixture dataset's videos as the manifest lists them (train-00..02, val-03..04): "dataset", or the
// Trainer tests' smaller "trainer_dataset".
inline std::vector<VideoSource> fixtureVideos(const std::string& dataset = "dataset") {
  std::vector<VideoSource> videos;
  for (const auto& entry : std::filesystem::directory_iterator(trainingFixtures() / dataset / "videos")) {
    const std::string id = entry.path().filename().string();
    videos.push_back({id, entry.path().string(), id.rfind("train", 0) == 0 ? Split::Train : Split::Val});
  }
  std::sort(videos.begin(), videos.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  return videos;
}

// A copy of the fixture dataset's video train-01, as video "v" in `dir`, for tests that break its files.
struct CopiedVideo {
  std::filesystem::path source, copy;
  VideoSource video;
};

inline CopiedVideo copiedTrainingVideo(const TempDir& dir) {
  CopiedVideo v;
  v.source = trainingFixtures() / "dataset" / "videos" / "train-01";
  v.copy = dir.path() / "v";
  std::filesystem::copy(v.source, v.copy);
  v.video = {"v", v.copy.string(), Split::Train};
  return v;
}

// Writes a .npy file with the given header dict body and raw bytes (for error tests).
inline void writeNpy(const std::string& path, const std::string& descr, const std::vector<int64_t>& shape,
                     const std::string& data) {
  std::string dims;
  for (const auto d : shape) dims += std::to_string(d) + ", ";
  std::string header = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  bytes += header + data;
  std::FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
}

}  // namespace gazecoder::train::testing
