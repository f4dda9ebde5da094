// Files that lie: .npy headers with negative, overflowing, malformed or inconsistent shapes, and
// checkpoints whose zip records were damaged after they were written (flipped bits, a cut end, a
// directory pointing outside the file). Each is refused with an error that names the file and, for a
// checkpoint, the record.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../src/checkpoint/zip_index.h"
#include "gazecoder/checkpoint/checkpoint.h"
#include "gazecoder/checkpoint/state_dict.h"
#include "gazecoder/runtime.h"
#include "gazecoder/train/batch_loader.h"
#include "gazecoder/train/dataset.h"
#include "gazecoder/train/npy_file.h"
#include "training_helpers.h"

namespace gazecoder::train {
namespace {

using namespace testing;

std::string readBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A version-1 .npy whose header dict is `dict` verbatim, followed by `data`.
void writeNpyHeader(const std::string& path, std::string dict, const std::string& data) {
  while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
  dict += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(dict.size() & 0xff);
  bytes += static_cast<char>(dict.size() >> 8);
  writeBytes(path, bytes + dict + data);
}

std::string npyError(const std::string& path) {
  return errorOf([&] { NpyFile::open(path); });
}

// ---------------------------------------------------------------------------------------------
// .npy shapes

TEST(HostileNpy, NegativeDimensionsAreRefusedNamingTheFile) {
  TempDir dir;
  writeNpy(dir / "neg.npy", "<f4", {-3, 2}, std::string(24, '\0'));
  const std::string message = npyError(dir / "neg.npy");
  EXPECT_NE(message.find(dir / "neg.npy" + ": malformed shape"), std::string::npos) << message;
  EXPECT_NE(message.find("negative dimension -3"), std::string::npos) << message;
  // A negative size that makes the product small again (-1 × -1) is refused just the same.
  writeNpy(dir / "negneg.npy", "|u1", {-1, -1}, std::string(1, '\0'));
  EXPECT_NE(npyError(dir / "negneg.npy").find("negneg.npy: malformed shape (-1, -1, ) in the .npy header: negative dimension -1"),
            std::string::npos)
      << npyError(dir / "negneg.npy");
}

TEST(HostileNpy, OverflowingShapesAreRefusedNamingTheFile) {
  TempDir dir;
  // 2^40 × 2^40 elements: the element count itself overflows int64.
  writeNpy(dir / "count.npy", "<f4", {int64_t{1} << 40, int64_t{1} << 40}, std::string(16, '\0'));
  std::string message = npyError(dir / "count.npy");
  EXPECT_NE(message.find(dir / "count.npy" + ": malformed shape"), std::string::npos) << message;
  EXPECT_NE(message.find("element count overflows 64 bits"), std::string::npos) << message;
  // 2^62 float64 elements fit int64, their 2^65 bytes do not.
  writeNpy(dir / "bytes.npy", "<f8", {int64_t{1} << 62}, std::string(16, '\0'));
  message = npyError(dir / "bytes.npy");
  EXPECT_NE(message.find(dir / "bytes.npy" + ": shape [4611686018427387904] needs more bytes than any file holds"), std::string::npos)
      << message;
  // 2^60 float64 elements (2^63 bytes): representable, and far more than the file holds.
  writeNpy(dir / "big.npy", "<f8", {int64_t{1} << 60}, std::string(16, '\0'));
  message = npyError(dir / "big.npy");
  EXPECT_NE(message.find(dir / "big.npy" + ": truncated: shape [1152921504606846976] needs 9223372036854775808 bytes"), std::string::npos)
      << message;
  // A dimension with more digits than any int64 has.
  writeNpyHeader(dir / "digits.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999, ), }", "");
  message = npyError(dir / "digits.npy");
  EXPECT_NE(message.find(dir / "digits.npy" + ": malformed shape (99999999999999999999999, ) in the .npy header: dimension 99999999999999999999999 exceeds 2^63 - 1"),
            std::string::npos)
      << message;
}

TEST(HostileNpy, MalformedShapesAndDtypesAreRefusedNamingTheFile) {
  TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (3, x), }", "dimension x is not a size"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (3.5, ), }", "dimension 3.5 is not a size"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (3,, 2), }", "empty dimension"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, }", "unterminated 'shape'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': 12, }", "not a tuple"},
      {"{'descr': '<f4', 'fortran_order': False, }", ".npy header has no 'shape'"},
      {"{'descr': '<f4, 'fortran_order': False, 'shape': (1,), }", "malformed descr"},
      {"{'descr': '<f3', 'fortran_order': False, 'shape': (1,), }", "unsupported dtype '<f3'"},
      {"{'descr': '<f16', 'fortran_order': False, 'shape': (1,), }", "unsupported dtype '<f16'"},
      {"{'descr': '|f4', 'fortran_order': False, 'shape': (1,), }", "unsupported dtype '|f4'"},
      {"{'descr': '<U8', 'fortran_order': False, 'shape': (1,), }", "unsupported dtype '<U8'"},
  };
  int i = 0;
  for (const auto& [dict, problem] : cases) {
    const std::string path = dir / ("case" + std::to_string(i++) + ".npy");
    writeNpyHeader(path, dict, std::string(64, '\0'));
    const std::string message = npyError(path);
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << dict << " -> " << message;
    EXPECT_NE(message.find(problem), std::string::npos) << dict << " -> " << message;
  }
  // Empty and scalar shapes are fine: () is one element, (0, 5) none.
  writeNpyHeader(dir / "scalar.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", std::string(4, '\0'));
  EXPECT_EQ(NpyFile::open(dir / "scalar.npy").numel(), 1);
  writeNpy(dir / "empty.npy", "<f4", {0, 5}, "");
  EXPECT_EQ(NpyFile::open(dir / "empty.npy").numel(), 0);
}

TEST(HostileNpy, DatasetFilesWithInconsistentShapesNameTheFile) {
  REQUIRE_TRAINING_FIXTURES();
  TempDir dir;
  const CopiedVideo v = copiedTrainingVideo(dir);
  const auto restore = [&](const char* name) {
    std::filesystem::copy_file(v.source / name, v.copy / name, std::filesystem::copy_options::overwrite_existing);
  };
  const int64_t crops = NpyFile::open((v.source / "crops.npy").string()).shape()[0];
  const int64_t frames = NpyFile::open((v.source / "frame_crop.npy").string()).shape()[0];

  // A negative crop count in crops.npy: refused by the reader before any dataset check multiplies it.
  writeNpy((v.copy / "crops.npy").string(), "|u1", {-crops, 32, 32, 3}, std::string(16, '\0'));
  std::string message = errorOf([&] { Video::open(v.video, 32); });
  EXPECT_NE(message.find((v.copy / "crops.npy").string() + ": malformed shape"), std::string::npos) << message;
  EXPECT_NE(message.find("negative dimension"), std::string::npos) << message;
  restore("crops.npy");

  // One more box row than crops.npy has crops.
  writeNpy((v.copy / "boxes.npy").string(), "<f4", {crops + 1, 5}, std::string(static_cast<size_t>(crops + 1) * 20, '\0'));
  message = errorOf([&] { Video::open(v.video, 32); });
  EXPECT_NE(message.find((v.copy / "boxes.npy").string() + ": expected float32 [" + std::to_string(crops) + ", 5] (one row per crop of crops.npy), found <f4 [" +
                         std::to_string(crops + 1) + ", 5]"),
            std::string::npos)
      << message;
  restore("boxes.npy");

  // frame_crop.npy as a matrix, labels.npy with three coders.
  writeNpy((v.copy / "frame_crop.npy").string(), "<i4", {frames, 1}, std::string(static_cast<size_t>(frames) * 4, '\0'));
  message = errorOf([&] { Video::open(v.video, 32); });
  EXPECT_NE(message.find((v.copy / "frame_crop.npy").string() + ": expected int32 [F]"), std::string::npos) << message;
  restore("frame_crop.npy");
  writeNpy((v.copy / "labels.npy").string(), "|i1", {frames, 3}, std::string(static_cast<size_t>(frames) * 3, '\0'));
  message = errorOf([&] { Video::open(v.video, 32); });
  EXPECT_NE(message.find((v.copy / "labels.npy").string() + ": expected int8 [" + std::to_string(frames) + ", 2]"), std::string::npos) << message;
  restore("labels.npy");

  // A shape that claims more data than the file holds.
  writeNpy((v.copy / "boxes.npy").string(), "<f4", {crops, 5}, std::string(20, '\0'));
  message = errorOf([&] { Video::open(v.video, 32); });
  EXPECT_NE(message.find((v.copy / "boxes.npy").string() + ": truncated: shape [" + std::to_string(crops) + ", 5]"), std::string::npos) << message;
  restore("boxes.npy");
  EXPECT_NO_THROW(Video::open(v.video, 32));
}

// ---------------------------------------------------------------------------------------------
// Threads that cannot be started

TEST(ThreadStartUp, ALoaderWhoseThreadsCannotStartIsAnErrorNotATerminate) {
  REQUIRE_TRAINING_FIXTURES();
  const Dataset dataset = Dataset::open(fixtureVideos(), 32, {});
  LoaderOptions options;
  options.batchSize = 4;
  options.workers = kMaxLoaderWorkers + 1;
  EXPECT_NE(errorOf([&] { BatchLoader(dataset, dataset.train, options); }).find("at most 256 data loader workers, got 257"),
            std::string::npos);
  EXPECT_THROW(configureThreads(kMaxThreads + 1), std::invalid_argument);

  // In a child whose address space has room for a few thread stacks only, the loader's 200 threads
  // cannot all start: the constructor must throw (naming the thread), not end the process.
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    long pages = 0;
    if (std::FILE* statm = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(statm, "%ld", &pages) != 1) pages = 0;
      std::fclose(statm);
    }
    const rlim_t room = static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE)) + (rlim_t{64} << 20);
    const struct rlimit limit {room, room};
    if (pages == 0 || ::setrlimit(RLIMIT_AS, &limit) != 0) ::_exit(3);
    options.workers = 200;
    const std::string message = errorOf([&] { BatchLoader(dataset, dataset.train, options); });
    ::_exit(message.find("cannot start data loader thread") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "the child died of signal " << (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  EXPECT_EQ(WEXITSTATUS(status), 0) << "1: the loader started or failed otherwise; 3: no limit could be set";
}

// ---------------------------------------------------------------------------------------------
// Checkpoints with damaged records

class DamagedCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(3);
    state_.insert("weight", torch::randn({64, 16}));
    state_.insert("bias", torch::randn({64}));
    path_ = dir_ / "model.pth";
    saveStateDictFile(path_, state_);
    archive_ = zip::readArchive(path_);
  }

  // The record that holds `key`'s tensor data (data/<n>), found by its size.
  std::string recordOf(const std::string& key) const {
    const uint64_t nbytes = static_cast<uint64_t>(state_[key].numel()) * sizeof(float);
    for (const auto& [name, record] : archive_.records) {
      if (name.find("/data/") != std::string::npos && record.size == nbytes) return name;
    }
    throw std::runtime_error("no record of " + std::to_string(nbytes) + " bytes");
  }

  // A copy of the checkpoint with bit `bit` of byte `offset` (within the record `name`) flipped.
  std::string flipped(const std::string& name, uint64_t offset, int bit) {
    std::string bytes = readBytes(path_);
    const zip::Record& record = archive_.records.at(name);
    bytes[record.dataOffset + offset] = static_cast<char>(bytes[record.dataOffset + offset] ^ (1 << bit));
    const std::string out = dir_ / ("flipped" + std::to_string(count_++) + ".pth");
    writeBytes(out, bytes);
    return out;
  }

  std::string relative(const std::string& name) const { return name.substr(archive_.prefix.size()); }

  TempDir dir_;
  StateDict state_;
  std::string path_;
  zip::Archive archive_;
  int count_ = 0;
};

TEST_F(DamagedCheckpoint, AFlippedBitInATensorRecordIsRefusedNamingTheRecord) {
  const std::string record = recordOf("weight");
  const std::string damaged = flipped(record, 1234, 5);
  const std::string message = errorOf([&] { loadStateDictFile(damaged); });
  EXPECT_EQ(message.rfind(damaged + ": record " + relative(record) + " is corrupt (CRC-32 ", 0), 0u) << message;
  EXPECT_NE(message.find("the zip directory says"), std::string::npos) << message;
  EXPECT_NE(message.find("damaged after it was written"), std::string::npos) << message;
  EXPECT_THROW(loadStateDictFile(damaged), CheckpointError);

  // Without the check the damage loads silently, as in torch.load: exactly one value differs.
  CheckpointReadOptions unchecked;
  unchecked.verifyCrc = false;
  const StateDict loaded = loadStateDictFile(damaged, unchecked);
  const torch::Tensor differs = loaded["weight"].ne(state_["weight"]);
  EXPECT_EQ(differs.sum().item<int64_t>(), 1);
  EXPECT_TRUE(differs.view(-1)[1234 / 4].item<bool>());
  EXPECT_TRUE(torch::equal(loaded["bias"], state_["bias"]));
  // The intact file loads with the check.
  EXPECT_TRUE(torch::equal(loadStateDictFile(path_)["weight"], state_["weight"]));
}

TEST_F(DamagedCheckpoint, EveryRecordIsCheckedTheFirstByteAndTheLast) {
  for (const auto& [name, record] : archive_.records) {
    if (record.size == 0) continue;
    for (const uint64_t offset : {uint64_t{0}, record.size - 1}) {
      const std::string damaged = flipped(name, offset, 0);
      const std::string message = errorOf([&] { loadPickled(damaged); });
      // A damaged version or byteorder record may also read as "not a version number"; the pickle may
      // fail to parse before its CRC is compared; all name the file, and the tensor records name the record.
      EXPECT_EQ(message.rfind(damaged + ": ", 0), 0u) << name << " -> " << message;
      if (name.find("/data/") != std::string::npos || name.find("data.pkl") != std::string::npos) {
        EXPECT_NE(message.find("record " + relative(name) + " is corrupt"), std::string::npos) << name << " -> " << message;
      }
    }
  }
}

TEST_F(DamagedCheckpoint, ACutOrMisdirectedZipIsRefusedNamingTheFile) {
  const std::string bytes = readBytes(path_);
  // Cut anywhere: the end of the directory is gone.
  for (const size_t keep : {bytes.size() - 1, bytes.size() / 2, size_t{100}}) {
    const std::string cut = dir_ / ("cut" + std::to_string(keep) + ".pth");
    writeBytes(cut, bytes.substr(0, keep));
    const std::string message = errorOf([&] { loadPickled(cut); });
    EXPECT_EQ(message.rfind(cut + ": ", 0), 0u) << message;
    EXPECT_NE(message.find("zip"), std::string::npos) << message;
  }
  // A central directory entry whose local header offset points past the file.
  const std::string record = recordOf("weight");
  const size_t central = bytes.find(std::string("PK\x01\x02", 4));
  ASSERT_NE(central, std::string::npos);
  size_t at = central;
  std::string misdirected;
  while (at != std::string::npos) {
    const uint16_t nameLength = static_cast<uint8_t>(bytes[at + 28]) | (static_cast<uint8_t>(bytes[at + 29]) << 8);
    if (bytes.compare(at + 46, nameLength, record) == 0) {
      misdirected = bytes;
      const uint32_t far = 0x7ffffff0u;
      std::memcpy(&misdirected[at + 42], &far, 4);
      break;
    }
    at = bytes.find(std::string("PK\x01\x02", 4), at + 4);
  }
  ASSERT_FALSE(misdirected.empty());
  const std::string path = dir_ / "misdirected.pth";
  writeBytes(path, misdirected);
  std::string message = errorOf([&] { loadPickled(path); });
  EXPECT_EQ(message, path + ": record " + record + " starts outside the archive's data (offset 2147483632)") << message;
  // A record whose stored size runs past the directory.
  std::string oversized = bytes;
  const zip::Record& r = archive_.records.at(record);
  const size_t entry = [&] {
    size_t a = central;
    while (bytes.compare(a + 46, record.size(), record) != 0) a = bytes.find(std::string("PK\x01\x02", 4), a + 4);
    return a;
  }();
  uint32_t huge = static_cast<uint32_t>(r.size + bytes.size());
  std::memcpy(&oversized[entry + 20], &huge, 4);
  std::memcpy(&oversized[entry + 24], &huge, 4);
  writeBytes(path, oversized);
  message = errorOf([&] { loadPickled(path); });
  EXPECT_NE(message.find(path + ": record " + record + " ("), std::string::npos) << message;
  EXPECT_NE(message.find("runs past the archive's data"), std::string::npos) << message;
}

TEST(ZipCrc32, MatchesTheStandardCheckValue) {
  // The CRC-32/ISO-HDLC check value, and chunked updates equal one pass.
  EXPECT_EQ(zip::crc32("123456789", 9), 0xcbf43926u);
  EXPECT_EQ(zip::crc32("", 0), 0u);
  const std::string text(1000, 'x');
  EXPECT_EQ(zip::crc32(text.data() + 7, 993, zip::crc32(text.data(), 7)), zip::crc32(text.data(), 1000));
}

TEST(ZipCrc32, EqualsTheBitwiseDefinitionAtEveryLengthAndAlignment) {
  // The fast paths (tables, carry-less folding from 64 bytes on) against the definition, bit by bit.
  const auto bitwise = [](const unsigned char* p, size_t n) {
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; ++i) {
      crc ^= p[i];
      for (int k = 0; k < 8; ++k) crc = (crc & 1) ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
    }
    return ~crc;
  };
  std::vector<unsigned char> bytes(5000);
  uint32_t state = 12345;
  for (auto& b : bytes) b = static_cast<unsigned char>((state = state * 1103515245u + 12345u) >> 24);
  for (size_t offset = 0; offset < 17; ++offset) {
    for (size_t n = 0; n < 400; n += (n < 140 ? 1 : 13)) {
      ASSERT_EQ(zip::crc32(bytes.data() + offset, n), bitwise(bytes.data() + offset, n)) << "offset " << offset << ", " << n << " bytes";
    }
  }
  EXPECT_EQ(zip::crc32(bytes.data() + 3, 4997), bitwise(bytes.data() + 3, 4997));
  // Continued in pieces that do not fall on 16 bytes.
  EXPECT_EQ(zip::crc32(bytes.data() + 1001, 3999, zip::crc32(bytes.data(), 1001)), bitwise(bytes.data(), 5000));
}

}  // namespace
}  // namespace gazecoder::train
