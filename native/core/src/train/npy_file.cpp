#include "gazecoder/train/npy_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <utility>

namespace gazecoder::train {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicSize = 6;

std::string shapeText(const std::vector<int64_t>& shape, const char* any = "?") {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out << ", ";
    if (shape[i] < 0) out << any; else out << shape[i];
  }
  out << ']';
  return out.str();
}

// The value of 'key' in the header's Python dict literal, e.g. "'<f4'" or "(3, 4)".
std::string headerField(const std::string& header, const std::string& key, const std::string& path) {
  const auto at = header.find("'" + key + "'");
  if (at == std::string::npos) throw DatasetError(path + ": .npy header has no '" + key + "'");
  auto pos = header.find(':', at);
  if (pos == std::string::npos) throw DatasetError(path + ": malformed .npy header");
  ++pos;
  while (pos < header.size() && header[pos] == ' ') ++pos;
  if (pos < header.size() && header[pos] == '(') {
    const auto close = header.find(')', pos);
    if (close == std::string::npos) throw DatasetError(path + ": malformed .npy header: unterminated '" + key + "'");
    return header.substr(pos, close - pos + 1);
  }
  const auto end = header.find_first_of(",}", pos);
  return header.substr(pos, end - pos);
}

// A shape tuple such as "(3, 4)", "(3,)" or "()": non-negative dims whose product fits int64.
std::vector<int64_t> parseShape(const std::string& text, const std::string& path) {
  const auto malformed = [&](const std::string& why) {
    return DatasetError(path + ": malformed shape " + text + " in the .npy header: " + why);
  };
  if (text.size() < 2 || text.front() != '(' || text.back() != ')') throw malformed("not a tuple");
  std::vector<std::string> items;
  std::string item;
  for (size_t i = 1; i + 1 < text.size(); ++i) {
    if (text[i] == ',') {
      items.push_back(item);
      item.clear();
    } else if (text[i] != ' ') {
      item += text[i];
    }
  }
  if (!item.empty() || !items.empty()) items.push_back(item);
  if (!items.empty() && items.back().empty() && items.size() > 1) items.pop_back();  // "(3,)"
  std::vector<int64_t> shape;
  int64_t numel = 1;
  for (const auto& dim : items) {
    if (dim.empty()) throw malformed("empty dimension");
    if (dim[0] == '-') throw malformed("negative dimension " + dim);
    if (dim.find_first_not_of("0123456789") != std::string::npos) throw malformed("dimension " + dim + " is not a size");
    int64_t size = 0;
    for (const char digit : dim) {
      if (__builtin_mul_overflow(size, 10, &size) || __builtin_add_overflow(size, digit - '0', &size)) {
        throw malformed("dimension " + dim + " exceeds 2^63 - 1");
      }
    }
    shape.push_back(size);
    if (__builtin_mul_overflow(numel, shape.back(), &numel)) throw malformed("its element count overflows 64 bits");
  }
  return shape;
}

// Bytes per element of a little-endian (or byte-sized) integer, float or bool descr; 0 when unsupported.
size_t itemSizeOf(const std::string& descr) {
  if (descr.size() != 3) return 0;
  const char order = descr[0], kind = descr[1], size = descr[2];
  if (kind != 'u' && kind != 'i' && kind != 'f' && kind != 'b') return 0;
  if (size != '1' && size != '2' && size != '4' && size != '8') return 0;
  if (order == '>' || (order == '|' && size != '1') || (order != '<' && order != '|' && order != '=')) return 0;
  return static_cast<size_t>(size - '0');
}

}  // namespace

NpyFile NpyFile::open(const std::string& path) {
  NpyFile file;
  file.path_ = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw DatasetError(path + ": cannot open: " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int err = errno;
    ::close(fd);
    throw DatasetError(path + ": cannot stat: " + std::strerror(err));
  }
  const auto size = static_cast<size_t>(info.st_size);
  if (size < kMagicSize + 4) {
    ::close(fd);
    throw DatasetError(path + ": not a .npy file (" + std::to_string(size) + " bytes)");
  }
  void* mapping = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
  const int err = errno;
  ::close(fd);  // the mapping keeps the file
  if (mapping == MAP_FAILED) throw DatasetError(path + ": cannot map: " + std::strerror(err));
  file.mapping_ = mapping;
  file.mappingSize_ = size;

  const auto* bytes = static_cast<const unsigned char*>(mapping);
  if (std::memcmp(bytes, kMagic, kMagicSize) != 0) throw DatasetError(path + ": not a .npy file (bad magic)");
  const int major = bytes[6];
  size_t headerLength = 0, headerStart = 0;
  if (major == 1) {
    headerLength = bytes[8] | (bytes[9] << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) throw DatasetError(path + ": truncated .npy header");
    headerLength = bytes[8] | (bytes[9] << 8) | (bytes[10] << 16) | (static_cast<size_t>(bytes[11]) << 24);
    headerStart = 12;
  } else {
    throw DatasetError(path + ": unsupported .npy format version " + std::to_string(major));
  }
  if (headerStart + headerLength > size) throw DatasetError(path + ": truncated .npy header");
  const std::string header(reinterpret_cast<const char*>(bytes) + headerStart, headerLength);

  std::string descr = headerField(header, "descr", path);
  if (descr.size() < 2 || (descr.front() != '\'' && descr.front() != '"') || descr.back() != descr.front()) {
    throw DatasetError(path + ": malformed descr");
  }
  file.descr_ = descr.substr(1, descr.size() - 2);
  if (headerField(header, "fortran_order", path).find("True") != std::string::npos) {
    throw DatasetError(path + ": Fortran-ordered arrays are not supported (save it C-ordered)");
  }
  file.shape_ = parseShape(headerField(header, "shape", path), path);

  const size_t itemSize = itemSizeOf(file.descr_);
  if (itemSize == 0) throw DatasetError(path + ": unsupported dtype '" + file.descr_ + "' (little-endian numeric arrays only)");
  const size_t dataOffset = headerStart + headerLength;
  uint64_t need = 0;
  if (__builtin_mul_overflow(static_cast<uint64_t>(file.numel()), itemSize, &need)) {
    throw DatasetError(path + ": shape " + shapeText(file.shape_) + " needs more bytes than any file holds");
  }
  if (need > size - dataOffset) {
    throw DatasetError(path + ": truncated: shape " + shapeText(file.shape_) + " needs " + std::to_string(need) +
                       " bytes of data, the file holds " + std::to_string(size - dataOffset));
  }
  file.data_ = bytes + dataOffset;
  return file;
}

NpyFile::NpyFile(NpyFile&& other) noexcept { *this = std::move(other); }

NpyFile& NpyFile::operator=(NpyFile&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::move(other.path_);
    descr_ = std::move(other.descr_);
    shape_ = std::move(other.shape_);
    mapping_ = std::exchange(other.mapping_, nullptr);
    mappingSize_ = std::exchange(other.mappingSize_, 0);
    data_ = std::exchange(other.data_, nullptr);
  }
  return *this;
}

NpyFile::~NpyFile() { release(); }

void NpyFile::release() {
  if (mapping_ != nullptr) ::munmap(mapping_, mappingSize_);
  mapping_ = nullptr;
  data_ = nullptr;
}

int64_t NpyFile::numel() const {
  int64_t n = 1;
  for (const auto d : shape_) n *= d;
  return n;
}

void NpyFile::expect(const std::string& descr, const std::vector<int64_t>& shape, const std::string& what) const {
  bool ok = descr_ == descr && shape_.size() == shape.size();
  for (size_t i = 0; ok && i < shape.size(); ++i) ok = shape[i] < 0 || shape[i] == shape_[i];
  if (!ok) throw DatasetError(path_ + ": expected " + what + ", found " + descr_ + " " + shapeText(shape_));
}

}  // namespace gazecoder::train
