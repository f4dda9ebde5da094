#include <gazecoder/checkpoint/checkpoint.h>

#include <caffe2/serialize/inline_container.h>
#include <c10/util/Exception.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

#include "pickle_reader.h"
#include "pickle_writer.h"
#include "zip_index.h"

namespace gazecoder {
namespace {

// The legacy (pre-1.6) format starts with its pickled magic number 0x1950a86a20f9469cfc6c
// (PROTO 2, LONG1 of 10 bytes); the zip format with a local file header.
constexpr unsigned char kLegacyMagic[] = {0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c,
                                          0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
constexpr char kZipMagic[] = {'P', 'K', 0x03, 0x04};

// LibTorch reports with c10::Error and allocation with std::exception; callers get only CheckpointError.
template <typename F>
auto withFileErrors(const std::string& path, F&& body) {
  try {
    return body();
  } catch (const CheckpointError&) {
    throw;
  } catch (const c10::Error& e) {
    // LibTorch's checks read "[enforce fail at inline_container.cc:165] . Attempted to ...": the
    // location says nothing to a user.
    std::string message = e.what_without_backtrace();
    if (message.rfind("[enforce fail at ", 0) == 0 && message.find("] ") != std::string::npos) {
      message = message.substr(message.find("] ") + 2);
      if (message.rfind(". ", 0) == 0) message = message.substr(2);
    }
    throw CheckpointError(path + ": " + message);
  } catch (const std::exception& e) {
    throw CheckpointError(path + ": " + e.what());
  }
}

// Recognises what is not a torch.save zip archive before LibTorch's reader gives a vaguer message.
void checkIsZipArchive(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) throw CheckpointError(path + ": cannot open: " + ec.message());
  if (size == 0) throw CheckpointError(path + ": file is empty");
  char head[sizeof kLegacyMagic] = {};
  std::ifstream in(path, std::ios::binary);
  in.read(head, sizeof head);
  const auto n = static_cast<size_t>(in.gcount());
  if (n >= sizeof kZipMagic && std::memcmp(head, kZipMagic, sizeof kZipMagic) == 0) return;
  if (n == sizeof kLegacyMagic && std::memcmp(head, kLegacyMagic, sizeof kLegacyMagic) == 0) {
    throw CheckpointError(path +
                          ": legacy torch.save format (PyTorch < 1.6 or _use_new_zipfile_serialization=False) "
                          "is not supported; re-save it with torch.save in PyTorch >= 1.6");
  }
  throw CheckpointError(path + ": not a PyTorch checkpoint (torch.save writes a zip archive)");
}

// A record name as errors show it: control characters (a NUL would end the message) escaped.
std::string printable(const std::string& name) {
  std::string out;
  for (const unsigned char c : name) {
    if (c >= 0x20 && c != 0x7f) {
      out += static_cast<char>(c);
    } else {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  return out;
}

// LibTorch's reader over an archive whose directory zip::readArchive has checked, verifying each
// record's CRC-32 on the bytes it hands out (LibTorch checks none, so flipped bits would load silently).
class CheckedReader {
 public:
  CheckedReader(const std::string& path, const CheckpointReadOptions& options)
      : path_(path), verify_(options.verifyCrc), archive_(zip::readArchive(path)) {
    // Small records (version, byteorder, ...) first, by themselves: LibTorch parses the version as it
    // opens the file, and a damaged one should read as damage, not as a vague parse error.
    bool hasVersion = false;
    for (const auto& [name, record] : archive_.records) {
      const std::string relative = name.substr(archive_.prefix.size());
      const bool isVersion = relative == "version" || relative == ".data/version";
      hasVersion = hasVersion || isVersion;
      if (isVersion && record.size > kMaxVersionRecord) {
        throw CheckpointError(path_ + ": record " + relative + " (" + std::to_string(record.size) + " bytes) is not a version number");
      }
      if (record.method != 0 || record.size > kSmallRecord) continue;
      const std::string bytes = zip::readStored(path_, record);
      check(relative, bytes.data(), bytes.size());
      if (isVersion && (bytes.empty() || bytes.find_first_not_of("0123456789\n") != std::string::npos)) {
        throw CheckpointError(path_ + ": record " + relative + " is not a version number");
      }
    }
    if (!hasVersion) throw CheckpointError(path_ + ": missing record version: not a whole torch.save archive");
    reader_.emplace(path_);
  }

  bool has(const std::string& name) { return reader_->hasRecord(name); }

  std::tuple<at::DataPtr, size_t> get(const std::string& name) {
    // LibTorch looks names up as C strings: "data/0\0x" would find data/0.
    if (name.find('\0') != std::string::npos) throw CheckpointError(path_ + ": record name " + printable(name) + " holds a NUL character");
    if (!has(name)) throw CheckpointError(path_ + ": missing record " + printable(name));
    auto [data, size] = reader_->getRecord(name);
    check(name, data.get(), size);
    return {std::move(data), size};
  }

  std::string getString(const std::string& name) {
    auto [data, size] = get(name);
    return size == 0 ? std::string() : std::string(static_cast<const char*>(data.get()), size);
  }

  // Every record is verified, used or not: a damaged file is refused whatever part is damaged.
  void checkTheRest() {
    for (const auto& entry : archive_.records) {
      const std::string name = entry.first.substr(archive_.prefix.size());
      if (verify_ && checked_.count(name) == 0) get(name);
    }
  }

 private:
  static constexpr uint64_t kSmallRecord = 64 * 1024;
  static constexpr uint64_t kMaxVersionRecord = 20;

  void check(const std::string& name, const void* data, size_t size) {
    const auto found = archive_.records.find(archive_.prefix + name);
    if (found == archive_.records.end()) throw CheckpointError(path_ + ": record " + name + " is not in the zip directory");
    const zip::Record& record = found->second;
    if (size != record.size) {
      throw CheckpointError(path_ + ": record " + name + " read " + std::to_string(size) + " bytes, the zip directory says " +
                            std::to_string(record.size));
    }
    if (verify_) {
      const uint32_t crc = zip::crc32(data, size);
      if (crc != record.crc32) {
        char text[64];
        std::snprintf(text, sizeof text, "CRC-32 %08x, the zip directory says %08x", crc, record.crc32);
        throw CheckpointError(path_ + ": record " + name + " is corrupt (" + text + "): the file was damaged after it was written");
      }
    }
    checked_.insert(name);
  }

  std::string path_;
  bool verify_;
  zip::Archive archive_;
  std::optional<caffe2::serialize::PyTorchStreamReader> reader_;
  std::set<std::string> checked_;
};

c10::Storage readStorage(CheckedReader& reader, const std::string& path, const std::string& key, size_t nbytes) {
  const std::string name = "data/" + key;
  auto [data, size] = reader.get(name);
  if (size != nbytes) {
    throw CheckpointError(path + ": record " + name + " holds " + std::to_string(size) + " bytes, expected " +
                          std::to_string(nbytes));
  }
  return c10::Storage(c10::Storage::use_byte_size_t(), static_cast<int64_t>(size), std::move(data),
                      /*allocator=*/nullptr, /*resizable=*/false);
}

void writeArchive(const std::string& path, const std::string& temp, const pickle::Pickled& pickled) {
  std::ofstream out(temp, std::ios::binary | std::ios::trunc);
  if (!out) throw CheckpointError(path + ": cannot create " + temp + ": " + std::strerror(errno));
  int failure = 0;
  {
    // The writer finalises the archive in its destructor, where a throw would terminate: so its
    // output function never fails, and the stream's state is checked afterwards (with the errno of
    // the first failed write, e.g. EFBIG or ENOSPC, which later calls may overwrite).
    caffe2::serialize::PyTorchStreamWriter writer([&out, &failure](const void* data, size_t n) {
      if (out && !out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n))) failure = errno;
      return n;
    });
    writer.writeRecord("data.pkl", pickled.program.data(), pickled.program.size());
    for (size_t i = 0; i < pickled.storages.size(); ++i) {
      const at::Tensor& t = pickled.storages[i];
      writer.writeRecord("data/" + std::to_string(i), t.data_ptr(), t.nbytes());
    }
    writer.writeEndOfFile();
  }
  if (out) out.close();
  if (!out) throw CheckpointError(path + ": writing " + temp + " failed: " + std::strerror(failure != 0 ? failure : errno));
}

}  // namespace

c10::IValue loadPickled(const std::string& path, const CheckpointReadOptions& options) {
  checkIsZipArchive(path);
  return withFileErrors(path, [&] {
    CheckedReader reader(path, options);
    // torch >= 2.1 records the byte order; tensor data is read as this (little-endian) machine's.
    if (reader.has("byteorder") && reader.getString("byteorder") != "little") {
      throw CheckpointError(path + ": big-endian checkpoints are not supported");
    }
    const std::string program = reader.getString("data.pkl");
    c10::IValue value = pickle::unpickle(program, path, [&](const std::string& key, size_t nbytes) {
      return readStorage(reader, path, key, nbytes);
    });
    reader.checkTheRest();
    return value;
  });
}

void savePickled(const std::string& path, const c10::IValue& value) {
  withFileErrors(path, [&] {
    const pickle::Pickled pickled = pickle::pickle(value, path);
    // Written beside the target and renamed onto it, so that readers never see half a file.
    const std::string temp = path + ".tmp-" + std::to_string(::getpid());
    try {
      writeArchive(path, temp, pickled);
      if (std::rename(temp.c_str(), path.c_str()) != 0) {
        throw CheckpointError(path + ": cannot replace it with " + temp + ": " + std::strerror(errno));
      }
    } catch (...) {
      std::remove(temp.c_str());
      throw;
    }
  });
}

}  // namespace gazecoder
