#include <gazecoder/checkpoint.h>

#include <caffe2/serialize/inline_container.h>
#include <c10/util/Exception.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <utility>

#include "pickle_reader.h"
#include "pickle_writer.h"

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
    throw CheckpointError(path + ": " + e.what_without_backtrace());
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

std::string readRecord(caffe2::serialize::PyTorchStreamReader& reader, const std::string& path,
                       const std::string& name) {
  if (!reader.hasRecord(name)) throw CheckpointError(path + ": missing record " + name);
  auto [data, size] = reader.getRecord(name);
  return size == 0 ? std::string() : std::string(static_cast<const char*>(data.get()), size);
}

c10::Storage readStorage(caffe2::serialize::PyTorchStreamReader& reader, const std::string& path,
                         const std::string& key, size_t nbytes) {
  const std::string name = "data/" + key;
  if (!reader.hasRecord(name)) throw CheckpointError(path + ": missing record " + name);
  auto [data, size] = reader.getRecord(name);
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
  {
    // The writer finalises the archive in its destructor, where a throw would terminate: so its
    // output function never fails, and the stream's state is checked afterwards.
    caffe2::serialize::PyTorchStreamWriter writer([&out](const void* data, size_t n) {
      out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n));
      return n;
    });
    writer.writeRecord("data.pkl", pickled.program.data(), pickled.program.size());
    for (size_t i = 0; i < pickled.storages.size(); ++i) {
      const at::Tensor& t = pickled.storages[i];
      writer.writeRecord("data/" + std::to_string(i), t.data_ptr(), t.nbytes());
    }
    writer.writeEndOfFile();
  }
  out.close();
  if (!out) throw CheckpointError(path + ": writing " + temp + " failed: " + std::strerror(errno));
}

}  // namespace

c10::IValue loadPickled(const std::string& path) {
  checkIsZipArchive(path);
  return withFileErrors(path, [&] {
    caffe2::serialize::PyTorchStreamReader reader(path);
    // torch >= 2.1 records the byte order; tensor data is read as this (little-endian) machine's.
    if (reader.hasRecord("byteorder") && readRecord(reader, path, "byteorder") != "little") {
      throw CheckpointError(path + ": big-endian checkpoints are not supported");
    }
    const std::string program = readRecord(reader, path, "data.pkl");
    return pickle::unpickle(program, path, [&](const std::string& key, size_t nbytes) {
      return readStorage(reader, path, key, nbytes);
    });
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
