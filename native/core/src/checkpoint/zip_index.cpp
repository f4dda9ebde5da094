#include "zip_index.h"

#include <fcntl.h>
#if defined(__x86_64__)
#include <immintrin.h>
#endif
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <gazecoder/checkpoint/checkpoint.h>

namespace gazecoder::zip {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfDirectory = 0x06054b50;
constexpr uint32_t kZip64EndOfDirectory = 0x06064b50;
constexpr uint32_t kZip64Locator = 0x07064b50;
constexpr size_t kLocalHeaderSize = 30;
constexpr size_t kCentralHeaderSize = 46;
constexpr size_t kEndSize = 22;
constexpr size_t kZip64EndSize = 56;
constexpr size_t kZip64LocatorSize = 20;
// Deflate's best case is 258 bytes from 2 bits, about 1032:1; more is a lie (or a bomb).
constexpr uint64_t kMaxDeflateRatio = 1032;

uint16_t u16(const unsigned char* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }
uint32_t u32(const unsigned char* p) { return u16(p) | (static_cast<uint32_t>(u16(p + 2)) << 16); }
uint64_t u64(const unsigned char* p) { return u32(p) | (static_cast<uint64_t>(u32(p + 4)) << 32); }

class File {
 public:
  explicit File(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) fail(std::string("cannot open: ") + std::strerror(errno));
    struct stat info {};
    if (::fstat(fd_, &info) != 0) fail(std::string("cannot stat: ") + std::strerror(errno));
    size_ = static_cast<uint64_t>(info.st_size);
  }
  ~File() {
    if (fd_ >= 0) ::close(fd_);
  }
  File(const File&) = delete;
  File& operator=(const File&) = delete;

  uint64_t size() const { return size_; }

  [[noreturn]] void fail(const std::string& problem) const { throw CheckpointError(path_ + ": " + problem); }

  // `n` bytes at `offset`, which the caller has bounded by size().
  std::vector<unsigned char> read(uint64_t offset, uint64_t n, const char* what) const {
    if (offset > size_ || n > size_ - offset) fail(std::string(what) + " lies outside the file (truncated zip archive?)");
    std::vector<unsigned char> out(static_cast<size_t>(n));
    size_t done = 0;
    while (done < out.size()) {
      const ssize_t got = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) fail(std::string("cannot read ") + what + ": " + (got < 0 ? std::strerror(errno) : "file shrank"));
      done += static_cast<size_t>(got);
    }
    return out;
  }

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
};

struct Directory {
  uint64_t entries = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
  uint64_t end = 0;  // where the end-of-directory records begin: the directory must end there
};

// The end-of-central-directory record (and its zip64 form, which torch.save always writes).
Directory findDirectory(const File& file) {
  const uint64_t tail = std::min<uint64_t>(file.size(), kEndSize + 0xffff + kZip64LocatorSize);
  const auto bytes = file.read(file.size() - tail, tail, "end of the zip archive");
  int64_t at = -1;
  for (int64_t i = static_cast<int64_t>(tail) - static_cast<int64_t>(kEndSize); i >= 0; --i) {
    const unsigned char* p = bytes.data() + i;
    if (u32(p) == kEndOfDirectory && static_cast<uint64_t>(i) + kEndSize + u16(p + 20) <= tail) {
      at = i;
      break;
    }
  }
  if (at < 0) file.fail("not a complete zip archive: no end of central directory (truncated file?)");
  const unsigned char* end = bytes.data() + at;
  Directory d;
  d.end = file.size() - tail + static_cast<uint64_t>(at);
  if (u16(end + 4) != 0 || u16(end + 6) != 0) file.fail("multi-disk zip archives are not supported");
  d.entries = u16(end + 10);
  d.size = u32(end + 12);
  d.offset = u32(end + 16);
  if (u16(end + 8) != d.entries) file.fail("zip archive's end record disagrees with itself on the number of records");
  if (at >= static_cast<int64_t>(kZip64LocatorSize) && u32(end - kZip64LocatorSize) == kZip64Locator) {
    const unsigned char* locator = end - kZip64LocatorSize;
    const uint64_t recordOffset = u64(locator + 8);
    if (recordOffset > d.end - kZip64LocatorSize || d.end - kZip64LocatorSize - recordOffset < kZip64EndSize) {
      file.fail("zip64 end of central directory lies outside the file");
    }
    const auto z = file.read(recordOffset, kZip64EndSize, "zip64 end of central directory");
    if (u32(z.data()) != kZip64EndOfDirectory) file.fail("zip64 end of central directory is missing or corrupt");
    d.entries = u64(z.data() + 32);
    d.size = u64(z.data() + 40);
    d.offset = u64(z.data() + 48);
    if (u64(z.data() + 24) != d.entries) file.fail("zip64 end record disagrees with itself on the number of records");
    d.end = recordOffset;
  }
  if (d.offset > d.end || d.size != d.end - d.offset) {
    file.fail("zip central directory (" + std::to_string(d.size) + " bytes at " + std::to_string(d.offset) +
              ") does not end where the end record begins (" + std::to_string(d.end) + "): truncated or corrupt zip archive");
  }
  if (d.entries > d.size / kCentralHeaderSize) file.fail("zip archive claims more records than its directory can hold");
  return d;
}

// Sizes and offset that the header marks 0xffffffff live in its zip64 extra field, in this order.
void readZip64Extra(const File& file, const std::string& name, const unsigned char* extra, size_t length, Record& r,
                    bool wantSize, bool wantCompressed, bool wantOffset) {
  size_t pos = 0;
  while (pos + 4 <= length) {
    const uint16_t id = u16(extra + pos);
    const uint16_t n = u16(extra + pos + 2);
    if (pos + 4 + n > length) break;
    if (id == 0x0001) {
      const unsigned char* p = extra + pos + 4;
      size_t left = n;
      for (auto [want, field] : {std::pair{wantSize, &r.size}, std::pair{wantCompressed, &r.compressedSize},
                                 std::pair{wantOffset, &r.localHeaderOffset}}) {
        if (!want) continue;
        if (left < 8) file.fail("record " + name + ": zip64 extra field too short");
        *field = u64(p);
        p += 8;
        left -= 8;
      }
      return;
    }
    pos += 4 + n;
  }
  if (wantSize || wantCompressed || wantOffset) file.fail("record " + name + ": zip64 sizes are missing");
}

}  // namespace

Archive readArchive(const std::string& path) {
  const File file(path);
  const Directory d = findDirectory(file);
  if (d.entries == 0) file.fail("zip archive holds no records");
  const auto directory = file.read(d.offset, d.size, "zip central directory");
  Archive archive;
  auto& index = archive.records;
  size_t pos = 0;
  for (uint64_t i = 0; i < d.entries; ++i) {
    if (directory.size() - pos < kCentralHeaderSize || u32(directory.data() + pos) != kCentralHeader) {
      file.fail("zip central directory is corrupt at record " + std::to_string(i));
    }
    const unsigned char* h = directory.data() + pos;
    const size_t nameLength = u16(h + 28), extraLength = u16(h + 30), commentLength = u16(h + 32);
    if (directory.size() - pos - kCentralHeaderSize < nameLength + extraLength + commentLength) {
      file.fail("zip central directory is corrupt at record " + std::to_string(i));
    }
    const std::string name(reinterpret_cast<const char*>(h + kCentralHeaderSize), nameLength);
    if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; })) {
      file.fail("the name of record " + std::to_string(i) + " of the zip directory holds control characters");
    }
    if (i == 0) {
      const auto slash = name.find('/');
      if (slash == std::string::npos || slash == 0) file.fail("record " + name + " is not inside the archive's folder");
      archive.prefix = name.substr(0, slash + 1);
    } else if (name.compare(0, archive.prefix.size(), archive.prefix) != 0) {
      file.fail("record " + name + " lies outside the archive's folder " + archive.prefix);
    }
    Record r;
    r.method = u16(h + 10);
    r.crc32 = u32(h + 16);
    r.compressedSize = u32(h + 20);
    r.size = u32(h + 24);
    r.localHeaderOffset = u32(h + 42);
    readZip64Extra(file, name, h + kCentralHeaderSize + nameLength, extraLength, r, r.size == 0xffffffffu,
                   r.compressedSize == 0xffffffffu, r.localHeaderOffset == 0xffffffffu);
    pos += kCentralHeaderSize + nameLength + extraLength + commentLength;

    if (u16(h + 8) & 0x1) file.fail("record " + name + " is encrypted");
    if (r.method != 0 && r.method != 8) file.fail("record " + name + " uses unsupported zip compression method " + std::to_string(r.method));
    if (r.method == 0 && r.size != r.compressedSize) {
      file.fail("record " + name + " is stored with " + std::to_string(r.compressedSize) + " bytes but claims " +
                std::to_string(r.size));
    }
    if (r.method == 8 && r.size / kMaxDeflateRatio > r.compressedSize) {
      file.fail("record " + name + " claims " + std::to_string(r.size) + " bytes inflated from " +
                std::to_string(r.compressedSize));
    }
    if (r.localHeaderOffset > d.offset || d.offset - r.localHeaderOffset < kLocalHeaderSize) {
      file.fail("record " + name + " starts outside the archive's data (offset " + std::to_string(r.localHeaderOffset) + ")");
    }
    const auto local = file.read(r.localHeaderOffset, kLocalHeaderSize, "a local zip header");
    if (u32(local.data()) != kLocalHeader) file.fail("record " + name + ": local zip header is missing or corrupt");
    const uint64_t headerEnd = r.localHeaderOffset + kLocalHeaderSize + u16(local.data() + 26) + u16(local.data() + 28);
    if (u16(local.data() + 26) != nameLength || headerEnd > d.offset ||
        file.read(r.localHeaderOffset + kLocalHeaderSize, nameLength, "a record name") !=
            std::vector<unsigned char>(name.begin(), name.end())) {
      file.fail("record " + name + ": local zip header does not match the central directory");
    }
    r.dataOffset = headerEnd;
    if (r.compressedSize > d.offset - r.dataOffset) {
      file.fail("record " + name + " (" + std::to_string(r.compressedSize) + " bytes at " + std::to_string(r.dataOffset) +
                ") runs past the archive's data: truncated or corrupt zip archive");
    }
    if (!index.emplace(name, r).second) file.fail("record " + name + " appears twice in the zip archive");
  }
  // No record's bytes may be another's: overlapping records are how zip bombs and confusions are built.
  std::vector<const std::pair<const std::string, Record>*> byOffset;
  for (const auto& entry : index) byOffset.push_back(&entry);
  std::sort(byOffset.begin(), byOffset.end(),
            [](const auto* a, const auto* b) { return a->second.localHeaderOffset < b->second.localHeaderOffset; });
  for (size_t i = 1; i < byOffset.size(); ++i) {
    const Record& previous = byOffset[i - 1]->second;
    if (previous.dataOffset + previous.compressedSize > byOffset[i]->second.localHeaderOffset) {
      file.fail("records " + byOffset[i - 1]->first + " and " + byOffset[i]->first + " overlap in the zip archive");
    }
  }
  return archive;
}

std::string readStored(const std::string& path, const Record& record) {
  if (record.method != 0) throw CheckpointError(path + ": internal error: readStored of a deflated record");
  const File file(path);
  const auto bytes = file.read(record.dataOffset, record.size, "a zip record");
  return std::string(bytes.begin(), bytes.end());
}

namespace {

// Slicing-by-8 tables: table[k][b] is the CRC of byte b followed by k zero bytes.
struct CrcTables {
  std::array<std::array<uint32_t, 256>, 8> t{};
  CrcTables() {
    for (uint32_t b = 0; b < 256; ++b) {
      uint32_t c = b;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
      t[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; ++b) {
      for (size_t k = 1; k < 8; ++k) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
    }
  }
};

const CrcTables& tables() {
  static const CrcTables instance;
  return instance;
}

uint32_t crc32Tables(const unsigned char* p, size_t size, uint32_t crc) {
  const auto& t = tables().t;
  crc = ~crc;
  for (; size >= 8; p += 8, size -= 8) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);  // little-endian, like every machine torch.save files are read on here
    std::memcpy(&hi, p + 4, 4);
    lo ^= crc;
    crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
          t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
  }
  for (; size > 0; ++p, --size) crc = t[0][(crc ^ *p) & 0xff] ^ (crc >> 8);
  return ~crc;
}

#if defined(__x86_64__) && defined(__GNUC__)
// Carry-less multiplication folding (Intel, "Fast CRC Computation for Generic Polynomials Using
// PCLMULQDQ", 2009), as zlib (Chromium's) and Linux compute zip's CRC-32: about 5 times the tables' speed.
#define GAZECODER_FOLDING __attribute__((target("pclmul,sse4.1")))

GAZECODER_FOLDING inline __m128i load(const unsigned char* at) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(at)); }

// `acc` folded 128 bits ahead by the constants in `k`, plus the next 128 bits.
GAZECODER_FOLDING inline __m128i fold(__m128i acc, __m128i next, __m128i k) {
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(acc, k, 0x11), next), _mm_clmulepi64_si128(acc, k, 0x00));
}

// `crc` is the running register (not inverted); `size` is a multiple of 16, at least 64.
GAZECODER_FOLDING uint32_t crc32Folded(const unsigned char* buf, size_t size, uint32_t crc) {
  // The bit-reflected constants x^(4*128+32), x^(4*128-32), x^(128+32), x^(128-32), x^64 mod P, and
  // P with Barrett's mu.
  alignas(16) static const uint64_t k1k2[] = {0x0154442bd4, 0x01c6e41596};
  alignas(16) static const uint64_t k3k4[] = {0x01751997d0, 0x00ccaa009e};
  alignas(16) static const uint64_t k5k0[] = {0x0163cd6124, 0x0000000000};
  alignas(16) static const uint64_t poly[] = {0x01db710641, 0x01f7011641};
  __m128i x1 = _mm_xor_si128(load(buf), _mm_cvtsi32_si128(static_cast<int>(crc)));
  __m128i x2 = load(buf + 16), x3 = load(buf + 32), x4 = load(buf + 48);
  __m128i x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(k1k2));
  buf += 64;
  size -= 64;
  while (size >= 64) {  // four lanes of 128 bits, each folded 512 bits ahead
    const __m128i x5 = _mm_clmulepi64_si128(x1, x0, 0x00), x6 = _mm_clmulepi64_si128(x2, x0, 0x00);
    const __m128i x7 = _mm_clmulepi64_si128(x3, x0, 0x00), x8 = _mm_clmulepi64_si128(x4, x0, 0x00);
    x1 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x1, x0, 0x11), x5), load(buf));
    x2 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x2, x0, 0x11), x6), load(buf + 16));
    x3 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x3, x0, 0x11), x7), load(buf + 32));
    x4 = _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x4, x0, 0x11), x8), load(buf + 48));
    buf += 64;
    size -= 64;
  }
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(k3k4));
  x1 = fold(fold(fold(x1, x2, x0), x3, x0), x4, x0);
  for (; size >= 16; buf += 16, size -= 16) x1 = fold(x1, load(buf), x0);
  // 128 bits to 64, then Barrett reduction to 32.
  x2 = _mm_clmulepi64_si128(x1, x0, 0x10);
  x3 = _mm_setr_epi32(~0, 0, ~0, 0);
  x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), x2);
  x0 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(k5k0));
  x2 = _mm_srli_si128(x1, 4);
  x1 = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x1, x3), x0, 0x00), x2);
  x0 = _mm_load_si128(reinterpret_cast<const __m128i*>(poly));
  x2 = _mm_clmulepi64_si128(_mm_and_si128(x1, x3), x0, 0x10);
  x2 = _mm_clmulepi64_si128(_mm_and_si128(x2, x3), x0, 0x00);
  return static_cast<uint32_t>(_mm_extract_epi32(_mm_xor_si128(x1, x2), 1));
}

bool haveFolding() {
  static const bool have = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  return have;
}
#endif

}  // namespace

uint32_t crc32(const void* data, size_t size, uint32_t crc) {
  const auto* p = static_cast<const unsigned char*>(data);
#if defined(__x86_64__) && defined(__GNUC__)
  if (size >= 64 && haveFolding()) {
    const size_t folded = size & ~static_cast<size_t>(15);
    crc = ~crc32Folded(p, folded, ~crc);
    p += folded;
    size -= folded;
  }
#endif
  return crc32Tables(p, size, crc);
}

}  // namespace gazecoder::zip
