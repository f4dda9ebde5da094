#pragma once
// The central directory of a torch.save zip archive, read and bounded before LibTorch's reader
// touches the file, and the CRC-32 that zip records carry (LibTorch's reader checks none).
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

namespace gazecoder::zip {

struct Record {
  uint32_t crc32 = 0;
  uint64_t compressedSize = 0;
  uint64_t size = 0;  // uncompressed
  uint64_t localHeaderOffset = 0;
  uint64_t dataOffset = 0;
  uint16_t method = 0;  // 0 stored, 8 deflated
};

struct Archive {
  // The folder of the directory's first record with its slash (e.g. "archive/"): LibTorch's reader
  // names records relative to it.
  std::string prefix;
  // Records by their full name in the archive (e.g. "archive/data/0").
  std::map<std::string, Record> records;
};

// Reads and checks the whole directory of the zip file at `path`: every offset and size lies inside
// the file, records neither overlap nor repeat, all lie in one folder, local headers agree with the
// directory, and no deflated record claims more than deflate can produce. Throws CheckpointError
// naming the file.
Archive readArchive(const std::string& path);

// The bytes of a stored (uncompressed) record of the file at `path`, read directly.
std::string readStored(const std::string& path, const Record& record);

// CRC-32 (ISO-HDLC, as zip and zlib compute it) of `size` bytes, continuing from `crc`.
uint32_t crc32(const void* data, size_t size, uint32_t crc = 0);

}  // namespace gazecoder::zip
