// .pth reading and writing against files from Python's torch.save (test/python/fixtures_checkpoint.py),
// and C++-written files checked by Python's torch.load (test/python/check_checkpoint.py).
#include <gazecoder/checkpoint/checkpoint.h>
#include <gazecoder/checkpoint/state_dict.h>

#include <caffe2/serialize/inline_container.h>
#include <gtest/gtest.h>
#include <torch/torch.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace fs = std::filesystem;
using gazecoder::CheckpointError;
using gazecoder::LoadOptions;
using gazecoder::LoadReport;
using gazecoder::StateDict;

namespace {

const fs::path kRepoRoot = fs::path(__FILE__).parent_path().parent_path().parent_path().parent_path();

std::string fixture(const std::string& name) {
  const char* dir = std::getenv("GAZECODER_FIXTURES");
  if (dir == nullptr) throw std::runtime_error("GAZECODER_FIXTURES is not set: run the tests through ctest");
  return (fs::path(dir) / "checkpoint" / name).string();
}

// A fresh folder per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("gazecoder-checkpoint-" + std::to_string(::getpid()) + "-" + test->test_suite_name() + "-" + test->name());
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path_)) names.push_back(e.path().filename().string());
    return names;
  }

 private:
  fs::path path_;
};

// Same layout as small_model() in fixtures_checkpoint.py.
torch::nn::Sequential smallModel() {
  return torch::nn::Sequential(torch::nn::Linear(4, 3), torch::nn::BatchNorm1d(3), torch::nn::ReLU(),
                               torch::nn::Linear(3, 2));
}

// Entry i becomes arange(numel) * 0.25 - i (num_batches_tracked: 7), as filled_state() in check_checkpoint.py.
void fillModel(torch::nn::Module& model) {
  torch::NoGradGuard noGrad;
  int64_t i = 0;
  for (auto& item : gazecoder::stateDictOf(model)) {
    auto& t = item.value();
    if (t.scalar_type() == torch::kLong) {
      t.fill_(7);
    } else {
      t.copy_((torch::arange(t.numel(), t.options()) * 0.25 - i).reshape(t.sizes()));
    }
    ++i;
  }
}

std::vector<torch::Tensor> snapshot(const torch::nn::Module& model) {
  std::vector<torch::Tensor> copies;
  for (const auto& item : gazecoder::stateDictOf(model)) copies.push_back(item.value().detach().clone());
  return copies;
}

void expectUnchanged(const torch::nn::Module& model, const std::vector<torch::Tensor>& before) {
  const auto now = gazecoder::stateDictOf(model);
  ASSERT_EQ(now.size(), before.size());
  for (size_t i = 0; i < before.size(); ++i) EXPECT_TRUE(torch::equal(now[i].value(), before[i])) << now.keys()[i];
}

// A line of *.expected.txt: key, c10 dtype name, shape ('-' for 0-d), values.
struct Expected {
  std::string key;
  std::string dtype;
  std::vector<int64_t> shape;
  std::vector<double> values;
};

std::vector<Expected> readExpected(const std::string& name) {
  std::ifstream in(fixture(name));
  std::vector<Expected> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    Expected e;
    std::string shape, values;
    std::getline(fields, e.key, '\t');
    std::getline(fields, e.dtype, '\t');
    std::getline(fields, shape, '\t');
    std::getline(fields, values);
    if (shape != "-") {
      std::istringstream dims(shape);
      for (std::string d; std::getline(dims, d, ',');) e.shape.push_back(std::stoll(d));
    }
    std::istringstream numbers(values);
    for (double v; numbers >> v;) e.values.push_back(v);
    out.push_back(std::move(e));
  }
  return out;
}

void expectMatches(const torch::Tensor& t, const Expected& e) {
  EXPECT_EQ(std::string(c10::toString(t.scalar_type())), e.dtype) << e.key;
  EXPECT_EQ(t.sizes().vec(), e.shape) << e.key;
  const auto flat = t.to(torch::kDouble).flatten().contiguous();
  ASSERT_EQ(static_cast<size_t>(flat.numel()), e.values.size()) << e.key;
  for (size_t i = 0; i < e.values.size(); ++i) {
    EXPECT_EQ(flat[static_cast<int64_t>(i)].item<double>(), e.values[i]) << e.key << "[" << i << "]";
  }
}

std::string loadError(const std::string& path) {
  try {
    gazecoder::loadPickled(path);
  } catch (const CheckpointError& e) {
    return e.what();
  }
  ADD_FAILURE() << path << " loaded without error";
  return "";
}

// The message names the file and contains `problem`.
void expectLoadError(const std::string& path, const std::string& problem) {
  const std::string message = loadError(path);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find(problem), std::string::npos) << message;
}

int runPython(const std::string& kind, const std::string& file) {
  const std::string command = "/usr/bin/python3 '" + (kRepoRoot / "test/python/check_checkpoint.py").string() +
                              "' " + kind + " '" + file + "'";
  return std::system(command.c_str());
}

// A string literal with embedded NULs.
template <size_t N>
std::string bytes(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

c10::IValue at(const c10::IValue& dict, const std::string& key) { return dict.toGenericDict().at(key); }

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

// ---- state dicts ----

TEST(StateDict, KeysInPythonOrder) {
  const auto expected = readExpected("model.expected.txt");
  std::vector<std::string> keys;
  for (const auto& e : expected) keys.push_back(e.key);
  EXPECT_EQ(gazecoder::stateDictOf(*smallModel()).keys(), keys);

  // Own parameters, then own buffers, then children, whatever the registration order.
  struct Mixed : torch::nn::Module {
    Mixed() {
      register_module("child", torch::nn::Linear(torch::nn::LinearOptions(1, 1).bias(false)));
      register_buffer("buffer", torch::zeros(1));
      register_parameter("weight", torch::zeros(1));
    }
  } mixed;
  EXPECT_EQ(gazecoder::stateDictOf(mixed).keys(), (std::vector<std::string>{"weight", "buffer", "child.weight"}));
}

TEST(StateDict, LoadsPythonModelThatComputesTheSame) {
  auto model = smallModel();
  const LoadReport report = gazecoder::loadStateDict(*model, gazecoder::loadStateDictFile(fixture("model.pth")));
  EXPECT_TRUE(report.ok()) << report.describeProblems();
  EXPECT_EQ(report.loaded.size(), 9u);
  EXPECT_EQ(report.describeProblems(), "");
  for (const auto& e : readExpected("model.expected.txt")) expectMatches(gazecoder::stateDictOf(*model)[e.key], e);

  model->eval();
  const c10::IValue io = gazecoder::loadPickled(fixture("model_io.pth"));
  torch::NoGradGuard noGrad;
  const auto output = model->forward(at(io, "input").toTensor());
  EXPECT_TRUE(torch::allclose(output, at(io, "output").toTensor(), 1e-5, 1e-6));
}

TEST(StateDict, ReadsTrainingCheckpointAndDataParallelPrefix) {
  const auto plain = gazecoder::loadStateDictFile(fixture("model.pth"));
  const auto training = gazecoder::loadStateDictFile(fixture("training.pth"));
  EXPECT_EQ(training.keys(), plain.keys());

  auto model = smallModel();
  const auto ddp = gazecoder::loadStateDictFile(fixture("model_ddp.pth"));
  EXPECT_EQ(ddp.keys().front(), "module.0.weight");
  EXPECT_TRUE(gazecoder::loadStateDict(*model, ddp).ok());
  for (const auto& item : plain) EXPECT_TRUE(torch::equal(gazecoder::stateDictOf(*model)[item.key()], item.value()));

  LoadOptions keepPrefix;
  keepPrefix.stripDataParallelPrefix = false;
  const LoadReport report = gazecoder::loadStateDict(*model, ddp, keepPrefix);
  EXPECT_EQ(report.unexpected.size(), 9u);
  EXPECT_EQ(report.missing.size(), 9u);
  EXPECT_EQ(report.unexpected.front(), "module.0.weight");
}

TEST(StateDict, ReportsEveryProblemAndLeavesModuleUnchanged) {
  auto model = smallModel();
  const auto before = snapshot(*model);
  StateDict state;
  for (const auto& item : gazecoder::loadStateDictFile(fixture("model.pth"))) {
    if (item.key() == "3.bias") continue;
    state.insert(item.key(), item.key() == "0.weight" ? torch::zeros({5, 5}) : item.value());
  }
  state.insert("extra.weight", torch::zeros(1));

  const LoadReport report = gazecoder::loadStateDict(*model, state);
  EXPECT_FALSE(report.ok());
  EXPECT_TRUE(report.loaded.empty());
  EXPECT_EQ(report.missing, (std::vector<std::string>{"3.bias"}));
  EXPECT_EQ(report.unexpected, (std::vector<std::string>{"extra.weight"}));
  ASSERT_EQ(report.mismatched.size(), 1u);
  EXPECT_EQ(report.mismatched[0].key, "0.weight");
  EXPECT_EQ(report.mismatched[0].expected, (std::vector<int64_t>{3, 4}));
  EXPECT_EQ(report.mismatched[0].found, (std::vector<int64_t>{5, 5}));
  EXPECT_EQ(report.describeProblems(),
            "missing key: 3.bias\n"
            "unexpected key: extra.weight\n"
            "shape mismatch: 0.weight is [3, 4] in the module, [5, 5] in the file");
  expectUnchanged(*model, before);
}

TEST(StateDict, SkipsAllowsMissingAndAddsTargetPrefix) {
  struct Net : torch::nn::Module {
    torch::nn::Sequential encoder = register_module("encoder", smallModel());
    torch::nn::Linear head = register_module("head", torch::nn::Linear(2, 1));
  } net;
  const auto headBefore = net.head->weight.detach().clone();
  const auto file = gazecoder::loadStateDictFile(fixture("model.pth"));

  LoadOptions options;
  options.targetPrefix = "encoder.";
  options.skipPrefixes = {"encoder.3."};
  options.allowMissingPrefixes = {"encoder.3.", "head."};
  const LoadReport report = gazecoder::loadStateDict(net, file, options);
  EXPECT_TRUE(report.ok()) << report.describeProblems();
  EXPECT_EQ(report.skipped, (std::vector<std::string>{"encoder.3.weight", "encoder.3.bias"}));
  EXPECT_EQ(report.loaded.size(), 7u);
  EXPECT_TRUE(torch::equal(net.encoder[0]->as<torch::nn::Linear>()->weight, file["0.weight"]));
  EXPECT_FALSE(torch::equal(net.encoder[3]->as<torch::nn::Linear>()->weight, file["3.weight"]));
  EXPECT_TRUE(torch::equal(net.head->weight, headBefore));

  options.allowMissingPrefixes = {};
  EXPECT_EQ(gazecoder::loadStateDict(net, file, options).missing,
            (std::vector<std::string>{"encoder.3.weight", "encoder.3.bias", "head.weight", "head.bias"}));
}

TEST(StateDict, KeepsModuleDtype) {
  auto model = smallModel();
  model->to(torch::kDouble);
  const auto file = gazecoder::loadStateDictFile(fixture("model.pth"));
  ASSERT_TRUE(gazecoder::loadStateDict(*model, file).ok());
  const auto weight = gazecoder::stateDictOf(*model)["0.weight"];
  EXPECT_EQ(weight.scalar_type(), torch::kDouble);
  EXPECT_TRUE(torch::equal(weight, file["0.weight"].to(torch::kDouble)));
  EXPECT_TRUE(weight.requires_grad());
}

TEST(StateDict, SavedFileLoadsStrictlyInPython) {
  TempDir dir;
  auto model = smallModel();
  fillModel(*model);
  const std::string path = dir.file("state.pth");
  gazecoder::saveStateDictFile(path, gazecoder::stateDictOf(*model));
  EXPECT_EQ(runPython("state_dict", path), 0);

  auto copy = smallModel();
  const auto state = gazecoder::loadStateDictFile(path);
  EXPECT_FALSE(state[0].value().requires_grad());
  ASSERT_TRUE(gazecoder::loadStateDict(*copy, state).ok());
  const auto want = gazecoder::stateDictOf(*model);
  for (const auto& item : gazecoder::stateDictOf(*copy)) EXPECT_TRUE(torch::equal(item.value(), want[item.key()]));
}

TEST(StateDict, FileEntriesMustBeTensors) {
  TempDir dir;
  const std::string path = dir.file("mixed.pth");
  c10::impl::GenericDict dict(c10::StringType::get(), c10::AnyType::get());
  dict.insert("weight", torch::zeros(2));
  dict.insert("step", 3);
  gazecoder::savePickled(path, dict);
  try {
    gazecoder::loadStateDictFile(path);
    ADD_FAILURE() << "loaded a state dict holding an int";
  } catch (const CheckpointError& e) {
    EXPECT_NE(std::string(e.what()).find(path + ": state dict entry 'step' is a Int, not a tensor"), std::string::npos)
        << e.what();
  }
}

}  // namespace
