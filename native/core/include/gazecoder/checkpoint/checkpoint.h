#pragma once
// PyTorch `.pth` files (the zip container written by torch.save since 1.6) without Python.
//
// Reading uses a restricted unpickler: only tensors and plain containers (dict, OrderedDict, list,
// tuple, str, int, float, bool, None) are accepted, so a file from a stranger cannot run code.
// Writing produces files that Python's torch.load reads (pickle protocol 2, OrderedDict, storages
// under data/<n>), always atomically (temp file + rename).
#include <ATen/core/ivalue.h>

#include <stdexcept>
#include <string>

namespace gazecoder {

// Every failure to read or write a checkpoint; the message names the file and the problem.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CheckpointReadOptions {
  // Check every zip record's CRC-32 (neither LibTorch nor torch.load does), so that a file damaged
  // after it was written is refused naming the record. Off only to save the time the check takes.
  bool verifyCrc = true;
};

// The whole pickled object of a .pth file. Dicts (plain or OrderedDict) come back as
// c10::impl::GenericDict in file order, tensors as CPU tensors sharing storage where the file did.
// The zip directory is checked (offsets, sizes, overlaps) before anything is read.
c10::IValue loadPickled(const std::string& path, const CheckpointReadOptions& options = {});

// Writes `value` (dicts with string/int keys, lists, tuples, tensors, scalars, strings, None).
// Dicts are written as collections.OrderedDict so that Python sees a state dict.
void savePickled(const std::string& path, const c10::IValue& value);

}  // namespace gazecoder
