// .pth reading and writing against files from Python's torch.save (test/python/fixtures_checkpoint.py),
// and C++-written files checked by Python's torch.load (test/python/check_checkpoint.py).
#include "checkpoint_helpers.h"

namespace {

using namespace checkpoint_testing;
using checkpoint_testing::at;  // not ATen's namespace at

// ---- reading Python's files ----

TEST(CheckpointLoad, ReadsStateDictWithDtypesZeroDimAndViews) {
  const c10::IValue value = gazecoder::loadPickled(fixture("dtypes.pth"));
  ASSERT_TRUE(value.isGenericDict());
  const auto dict = value.toGenericDict();
  const auto expected = readExpected("dtypes.expected.txt");
  ASSERT_EQ(dict.size(), expected.size());
  size_t i = 0;
  for (const auto& entry : dict) {  // file order
    EXPECT_EQ(entry.key().toStringRef(), expected[i].key);
    expectMatches(entry.value().toTensor(), expected[i]);
    ++i;
  }
  const auto base = at(value, "base").toTensor();
  const auto transposed = at(value, "base_t").toTensor();
  const auto tail = at(value, "tail").toTensor();
  EXPECT_TRUE(transposed.is_alias_of(base));
  EXPECT_FALSE(transposed.is_contiguous());
  EXPECT_EQ(transposed.strides().vec(), (std::vector<int64_t>{1, 4}));
  EXPECT_TRUE(tail.is_alias_of(base));
  EXPECT_EQ(tail.storage_offset(), 5);
  EXPECT_EQ(at(value, "scalar").toTensor().dim(), 0);
  EXPECT_FALSE(base.requires_grad());
}

TEST(CheckpointLoad, ReadsNestedTrainingCheckpoint) {
  const c10::IValue value = gazecoder::loadPickled(fixture("training.pth"));
  std::vector<std::string> keys;
  for (const auto& entry : value.toGenericDict()) keys.push_back(entry.key().toStringRef());
  EXPECT_EQ(keys, (std::vector<std::string>{"model", "epoch", "lr", "name", "hist", "t", "none", "big", "neg", "flag"}));
  EXPECT_EQ(at(value, "epoch").toInt(), 3);
  EXPECT_EQ(at(value, "lr").toDouble(), 1e-5);
  EXPECT_EQ(at(value, "name").toStringRef(), "x");
  EXPECT_EQ(at(value, "hist").toListRef().vec(), (std::vector<c10::IValue>{1, 2}));
  const auto& t = at(value, "t").toTupleRef().elements();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].toInt(), 1);
  EXPECT_EQ(t[1].toStringRef(), "a");
  EXPECT_TRUE(at(value, "none").isNone());
  EXPECT_EQ(at(value, "big").toInt(), int64_t{1} << 40);
  EXPECT_EQ(at(value, "neg").toInt(), -7);
  EXPECT_TRUE(at(value, "flag").toBool());
  const auto model = at(value, "model").toGenericDict();
  const auto expected = readExpected("model.expected.txt");
  ASSERT_EQ(model.size(), expected.size());
  for (const auto& e : expected) expectMatches(model.at(e.key).toTensor(), e);
}

TEST(CheckpointLoad, ReadsPickleProtocol4) {
  const auto protocol4 = gazecoder::loadStateDictFile(fixture("model_protocol4.pth"));
  const auto protocol2 = gazecoder::loadStateDictFile(fixture("model.pth"));
  ASSERT_EQ(protocol4.keys(), protocol2.keys());
  for (const auto& item : protocol2) EXPECT_TRUE(torch::equal(protocol4[item.key()], item.value())) << item.key();
}

TEST(CheckpointLoad, RejectsForbiddenGlobalsNamingThem) {
  for (const auto& [file, global] : std::vector<std::pair<std::string, std::string>>{
           {"forbidden_os_system.pth", "'posix.system'"},
           {"forbidden_numpy.pth", "'numpy.core.multiarray._reconstruct'"},
           {"forbidden_module.pth", "'torch.nn.modules.linear.Linear'"}}) {
    const std::string message = loadError(fixture(file));
    EXPECT_NE(message.find(fixture(file)), std::string::npos) << message;
    EXPECT_NE(message.find("forbidden global " + global), std::string::npos) << message;
    EXPECT_NE(message.find("only tensors and plain containers are accepted"), std::string::npos) << message;
  }
}

TEST(CheckpointLoad, RejectsBrokenFilesNamingTheProblem) {
  expectLoadError(fixture("truncated.pth"), "zip archive");
  expectLoadError(fixture("not_zip.pth"), "not a PyTorch checkpoint");
  expectLoadError(fixture("empty.pth"), "file is empty");
  expectLoadError(fixture("legacy.pth"), "re-save it with torch.save in PyTorch >= 1.6");
  expectLoadError(fixture("missing_record.pth"), "missing record data/0");
  expectLoadError(fixture("truncated_pickle.pth"), "pickle data ends early");
  expectLoadError(fixture("does_not_exist.pth"), "cannot open");
}

// Archives around hand-written pickle programs, for the unpickler's guards.
class CheckpointPickle : public ::testing::Test {
 protected:
  // data/0 holds two floats, 1.5 and -2.
  std::string archive(const std::string& program) {
    const std::string path = dir_.file("case" + std::to_string(count_++) + ".pth");
    caffe2::serialize::PyTorchStreamWriter writer(path);
    writer.writeRecord("data.pkl", program.data(), program.size());
    const float storage[] = {1.5f, -2.0f};
    writer.writeRecord("data/0", storage, sizeof storage);
    writer.writeEndOfFile();
    return path;
  }
  // _rebuild_tensor_v2 of storage '0' (2 floats) with the given numel, size and stride tuples.
  static std::string tensorProgram(const std::string& numel, const std::string& size, const std::string& stride) {
    return std::string("\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n" "((" "\x8c\x07storage" "ctorch\nFloatStorage\n"
                       "\x8c\x01" "0" "\x8c\x03" "cpu") +
           numel + bytes("tQK\x00") + size + stride + "\x89}tR.";
  }
  TempDir dir_;
  int count_ = 0;
};

TEST_F(CheckpointPickle, ReadsProtocol4OpcodesAndTensors) {
  // {'a': 1, 'b': [(1.0,)]} with FRAME, MEMOIZE, SHORT_BINUNICODE, BINGET of a memoized value.
  const std::string program =
      bytes("\x80\x04\x95\x20\0\0\0\0\0\0\0}\x94(\x8c\x01" "a\x94K\x01\x8c\x01" "b]\x94G?\xf0\0\0\0\0\0\0\x85\x94" "au.");
  const c10::IValue value = gazecoder::loadPickled(archive(program));
  EXPECT_EQ(at(value, "a").toInt(), 1);
  EXPECT_EQ(at(value, "b").toListRef()[0].toTupleRef().elements()[0].toDouble(), 1.0);

  const auto t = gazecoder::loadPickled(archive(tensorProgram("K\x02", "K\x02\x85", "K\x01\x85"))).toTensor();
  EXPECT_TRUE(torch::equal(t, torch::tensor({1.5f, -2.0f})));
}

TEST_F(CheckpointPickle, RejectsMalformedProgramsWithoutCrashing) {
  const std::string deep = "\x80\x02K\x01" + std::string(300, '\x85') + ".";
  const std::vector<std::pair<std::string, std::string>> cases{
      {std::string("\x80\x02" "a."), "stack underflow"},
      {std::string("\x80\x02" "N(a."), "stack underflow"},  // MARK hides what lies below it
      {std::string("\x80\x02" "e."), "no MARK"},
      {std::string("\x80\x02" "h\x05."), "memo has no entry 5"},
      {std::string("\x80\x02" "\xff."), "unsupported pickle opcode 0xff"},
      {std::string("\x80\x02" "N"), "pickle data ends early"},
      {std::string("\x80\x02" "X\xff\xff\xff\x7f" "abc."), "pickle data ends early"},
      {std::string("\x80\x02" "\x8a\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09."), "does not fit 64 bits"},
      {std::string("\x80\x06" "N."), "protocol newer than 5"},
      {std::string("\x80\x02" "NN."), "malformed stack"},
      {deep, "nested deeper than"},
      {bytes("\x80\x02" "]q\x00h\x00" "a."), "changed after it was used"},  // a list inside itself
      {std::string("\x80\x02" "ctorch\nFloatStorage\n."), "used as a plain value"},
      {std::string("\x80\x02" "]ctorch\nFloatStorage\n" "a."), "used as a plain value"},
      {std::string("\x80\x02" "ccollections\nOrderedDict\n" "K\x01\x85R."), "OrderedDict with arguments"},
      {std::string("\x80\x02" "K\x01)R."), "not of a global"},
      {std::string("\x80\x02" "}]]s."), "dict key of type GenericList"},
      {std::string("\x80\x02" "cbuiltins\neval\n."), "forbidden global 'builtins.eval'"},
      {std::string("\x80\x02" "\x8c\x02os\x8c\x06system\x93."), "forbidden global 'os.system'"},
      {tensorProgram("K\x02", "K\x03\x85", "K\x01\x85"), "exceeds its storage of 2 elements"},
      {tensorProgram("K\x02", "K\x02\x85", "J\xff\xff\xff\xff\x85"), "negative size or stride"},
      {tensorProgram("K\x02", "K\x02K\x02\x86", "K\x01\x85"), "size and stride differ"},
      {tensorProgram("K\x03", "K\x02\x85", "K\x01\x85"), "holds 8 bytes, expected 12"},
      {tensorProgram("\x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f", "K\x02\x85", "K\x01\x85"), "invalid size"},
  };
  for (const auto& [program, problem] : cases) {
    const std::string path = archive(program);
    expectLoadError(path, problem);
  }
}

// ---- writing files that Python reads ----

c10::IValue trainingCheckpoint(const torch::nn::Module& model) {
  c10::impl::GenericDict state(c10::StringType::get(), c10::TensorType::get());
  for (const auto& item : gazecoder::stateDictOf(model)) state.insert(item.key(), item.value().detach());
  const auto base = torch::arange(6, torch::kFloat).reshape({2, 3});
  c10::impl::GenericDict tensors(c10::StringType::get(), c10::TensorType::get());
  tensors.insert("f64", torch::arange(6, torch::kDouble).reshape({2, 3}) / 3);
  tensors.insert("i64", torch::tensor(std::vector<int64_t>{-(int64_t{1} << 40), 0, (int64_t{1} << 40) + 1}));
  tensors.insert("i32", torch::tensor({-5, 70000}, torch::kInt));
  tensors.insert("u8", torch::tensor({0, 255}, torch::kByte));
  tensors.insert("flags", torch::tensor({true, false, true}));
  tensors.insert("f16", torch::tensor({0.5, -1.25}, torch::kHalf));
  tensors.insert("bf16", torch::tensor({0.5, -1.25}, torch::kBFloat16));
  tensors.insert("scalar", torch::scalar_tensor(2.5, torch::kFloat));
  tensors.insert("transposed", base.t());
  tensors.insert("sliced", torch::arange(10, torch::kFloat).slice(0, 3, 7));
  tensors.insert("empty", torch::zeros({0, 3}));
  tensors.insert("tied_a", base);
  tensors.insert("tied_b", base);

  c10::impl::GenericDict top(c10::StringType::get(), c10::AnyType::get());
  top.insert("model", state);
  top.insert("epoch", 3);
  top.insert("lr", 1e-5);
  top.insert("name", "x");
  top.insert("hist", c10::List<int64_t>({1, 2}));
  top.insert("t", c10::ivalue::Tuple::create(c10::IValue(1), c10::IValue("a")));
  top.insert("none", c10::IValue());
  top.insert("big", int64_t{1} << 40);
  top.insert("neg", -(int64_t{1} << 40) - 5);
  top.insert("flag", true);
  top.insert("unicode", "Blickrichtung \xe2\x86\x92 links \xf0\x9f\x91\xb6");
  top.insert("ints", c10::List<int64_t>({0, 255, 256, 65535, 65536, -1, std::numeric_limits<int32_t>::min(),
                                         std::numeric_limits<int32_t>::max(), int64_t{1} << 31,
                                         -(int64_t{1} << 31) - 1, std::numeric_limits<int64_t>::max(),
                                         std::numeric_limits<int64_t>::min()}));
  top.insert("tensors", tensors);
  return top;
}

TEST(CheckpointSave, PythonReadsTrainingCheckpoint) {
  TempDir dir;
  auto model = smallModel();
  fillModel(*model);
  const std::string path = dir.file("training.pth");
  const c10::IValue written = trainingCheckpoint(*model);
  gazecoder::savePickled(path, written);
  EXPECT_EQ(runPython("training", path), 0);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"training.pth"}));  // no temp file left

  // And C++ reads back what it wrote.
  const c10::IValue read = gazecoder::loadPickled(path);
  for (const auto& entry : written.toGenericDict()) {
    const c10::IValue& want = entry.value();
    const c10::IValue got = at(read, entry.key().toStringRef());
    if (want.isGenericDict()) {
      for (const auto& t : want.toGenericDict()) {
        EXPECT_TRUE(torch::equal(got.toGenericDict().at(t.key()).toTensor(), t.value().toTensor())) << t.key();
      }
    } else if (want.isList()) {  // typed lists come back as generic ones
      EXPECT_EQ(got.toListRef().vec(), want.toListRef().vec()) << entry.key().toStringRef();
    } else {
      EXPECT_EQ(got, want) << entry.key().toStringRef();
    }
  }
  const auto tensors = at(read, "tensors");
  EXPECT_TRUE(at(tensors, "tied_a").toTensor().is_alias_of(at(tensors, "tied_b").toTensor()));
}

TEST(CheckpointSave, FailureLeavesTargetUntouched) {
  TempDir dir;
  const std::string path = dir.file("keep.pth");
  gazecoder::saveStateDictFile(path, gazecoder::stateDictOf(*smallModel()));
  const auto before = fs::file_size(path);

  for (const auto& [value, problem] : std::vector<std::pair<c10::IValue, std::string>>{
           {c10::IValue(c10::Device(c10::kCPU)), "cannot save a value of type Device"},
           {c10::IValue(std::string("\xff\xfe")), "not valid UTF-8"},
           {c10::IValue(torch::Tensor()), "undefined tensor"}}) {
    try {
      gazecoder::savePickled(path, value);
      ADD_FAILURE() << "saved " << problem;
    } catch (const CheckpointError& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(problem), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(fs::file_size(path), before);
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"keep.pth"}));
  EXPECT_EQ(gazecoder::loadStateDictFile(path).size(), 9u);

  const std::string unwritable = dir.file("no/such/dir/x.pth");
  EXPECT_THROW(gazecoder::savePickled(unwritable, c10::IValue(1)), CheckpointError);
}

}  // namespace
