#pragma once
// Read-only memory-mapped NumPy .npy files (format 1.0-3.0, little-endian, C order): the header is
// parsed, the data is used in place, and pages are read only when touched.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace gazecoder::train {

// Every problem with a dataset file; the message names the file.
class DatasetError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class NpyFile {
 public:
  // Maps `path`; throws DatasetError naming the file when it is missing, truncated or not a .npy.
  static NpyFile open(const std::string& path);

  NpyFile() = default;
  NpyFile(NpyFile&& other) noexcept;
  NpyFile& operator=(NpyFile&& other) noexcept;
  NpyFile(const NpyFile&) = delete;
  NpyFile& operator=(const NpyFile&) = delete;
  ~NpyFile();

  const std::string& path() const { return path_; }
  // NumPy's descr, e.g. "|u1", "<f4", "<i4".
  const std::string& descr() const { return descr_; }
  const std::vector<int64_t>& shape() const { return shape_; }
  int64_t numel() const;
  const void* data() const { return data_; }

  // Throws DatasetError unless the array has this descr and shape (-1 matches any size), e.g.
  // "videos/a/boxes.npy: expected float32 [K, 5], found <f8 [10, 5]"; `what` describes the expectation.
  void expect(const std::string& descr, const std::vector<int64_t>& shape, const std::string& what) const;

  template <typename T>
  const T* as() const {
    return static_cast<const T*>(data_);
  }

 private:
  std::string path_;
  std::string descr_;
  std::vector<int64_t> shape_;
  void* mapping_ = nullptr;
  size_t mappingSize_ = 0;
  const void* data_ = nullptr;

  void release();
};

}  // namespace gazecoder::train
