#pragma once
// A restricted unpickler for the data.pkl of torch.save files: it builds only plain values,
// containers and tensors, and rejects every other Python global.
#include <ATen/core/ivalue.h>
#include <c10/core/Storage.h>

#include <cstddef>
#include <functional>
#include <string>

namespace gazecoder::pickle {

// Returns the bytes of record data/<key>, which must hold exactly `nbytes` bytes.
using StorageLoader = std::function<c10::Storage(const std::string& key, size_t nbytes)>;

// Runs the pickle program `program`; `source` names the file in error messages (CheckpointError).
c10::IValue unpickle(const std::string& program, const std::string& source, const StorageLoader& loadStorage);

}  // namespace gazecoder::pickle
