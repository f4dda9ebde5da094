// The GazeCodingModel against the Python reference (test/python/fixtures_models.py), and convertModel.
#include "models_helpers.h"

namespace gazecoder {
namespace {

using namespace models_testing;

// A resnet18 GazeCodingModel of `frames`-frame windows (seeded; random BatchNorm statistics) in eval
// mode, a random batch of two windows of size×size crops, and its logits.
struct GazeModelAndOutput {
  std::shared_ptr<GazeCodingModel> model;
  torch::Tensor images, boxes, logits;
};

GazeModelAndOutput randomResNet18GazeModel(uint64_t seed, int64_t frames, int64_t size) {
  torch::manual_seed(seed);
  GazeModelAndOutput out{makeGazeModel("resnet18", frames)};
  randomizeBatchNorm(*out.model);
  out.model->eval();
  out.images = torch::randn({2, frames, 3, size, size});
  out.boxes = torch::rand({2, frames, 5});
  torch::NoGradGuard noGrad;
  out.logits = out.model->forward(out.images, out.boxes);
  return out;
}

// ---------------------------------------------------------------------------------------------
// GazeCodingModel

TEST_F(Models, GazeCodingModelMatchesThePythonReference) {
  REQUIRE_FIXTURES();
  const auto model = makeGazeModel("regnet_y_400mf");
  loadInto(*model, fixture("gaze_regnet_y_400mf_weights.pth"));
  const auto io = fixture("gaze_regnet_y_400mf_io.pth");
  model->eval();
  torch::NoGradGuard noGrad;
  const auto& images = entry(io, "images");
  const auto& boxes = entry(io, "boxes");
  const auto logits = model->forward(images, boxes);
  const double error = maxRelativeError(logits, entry(io, "logits"));
  EXPECT_LT(error, 1e-5);
  std::cout << "GazeCodingModel(regnet_y_400mf) max relative error " << error << "\n";

  // Frames encoded one at a time and reassembled give the same logits.
  std::vector<torch::Tensor> frames;
  for (int64_t f = 0; f < images.size(1); ++f) frames.push_back(model->encodeImages(images.select(1, f)));
  const auto embeddings = torch::stack(frames, 1);
  EXPECT_LT(maxRelativeError(model->predictFromEmbeddings(embeddings, boxes), logits), 1e-6);
}

TEST_F(Models, PythonLoadsOurGazeCodingModelStrictly) {
  const fs::path dir = fs::temp_directory_path() / ("gazecoder_models_test_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto [model, images, boxes, logits] = randomResNet18GazeModel(5, 5, 100);
  saveStateDictFile((dir / "state.pth").string(), stateDictOf(*model));
  StateDict io;
  io.insert("images", images);
  io.insert("boxes", boxes);
  io.insert("logits", logits);
  saveStateDictFile((dir / "io.pth").string(), io);

  const fs::path script = fs::path(__FILE__).parent_path() / "../../../test/python/check_gaze_state_dict.py";
  const std::string command = "/usr/bin/python3 '" + script.lexically_normal().string() + "' resnet18 5 '" +
                              (dir / "state.pth").string() + "' '" + (dir / "io.pth").string() + "'";
  const int status = std::system(command.c_str());
  fs::remove_all(dir);
  EXPECT_EQ(status, 0) << command;
}

TEST_F(Models, GazeCodingModelRejectsWrongShapes) {
  const auto model = makeGazeModel("resnet18", 5);
  model->eval();
  const auto boxes = torch::rand({2, 5, 5});
  auto message = errorOf([&] { model->forward(torch::randn({2, 4, 3, 32, 32}), boxes); });
  EXPECT_NE(message.find("expects images B×5×3×H×W, got a tensor of shape [2, 4, 3, 32, 32]"), std::string::npos)
      << message;
  message = errorOf([&] { model->forward(torch::randn({2, 5, 3, 32, 32}), torch::rand({2, 5, 4})); });
  EXPECT_NE(message.find("expects boxes B×5×5, got a tensor of shape [2, 5, 4]"), std::string::npos) << message;
  message = errorOf([&] { model->encodeImages(torch::randn({2, 1, 32, 32})); });
  EXPECT_NE(message.find("expects N×3×H×W images, got a tensor of shape [2, 1, 32, 32]"), std::string::npos)
      << message;
  message = errorOf([&] { model->predict(torch::randn({2, 5, 256}), torch::randn({3, 5, 256})); });
  EXPECT_NE(message.find("2 windows of image embeddings but 3 of boxes"), std::string::npos) << message;
}

// ---------------------------------------------------------------------------------------------
// convertModel

TEST_F(Models, ChannelsLastKeepsOutputs) {
  torch::manual_seed(6);
  for (const auto& model : {makeBackbone("resnet18"), std::shared_ptr<ImageBackbone>(std::make_shared<RegNet>(
                                                          RegNetParams{5, 16, 12.0, 2.0, 8, 1.0, 0.25}))}) {
    randomizeBatchNorm(*model);
    model->eval();
    torch::NoGradGuard noGrad;
    const auto x = torch::randn({2, 3, 64, 64});
    const auto reference = model->forward(x);
    convertModel(*model, torch::kFloat, true);
    for (const auto& p : model->parameters()) {
      if (p.dim() == 4) EXPECT_TRUE(p.is_contiguous(c10::MemoryFormat::ChannelsLast));
    }
    EXPECT_LT(maxRelativeError(model->forward(x), reference), 1e-5);
    EXPECT_LT(maxRelativeError(model->forward(x.contiguous(c10::MemoryFormat::ChannelsLast)), reference), 1e-5);
    convertModel(*model, torch::kFloat, false);
    for (const auto& p : model->parameters()) EXPECT_TRUE(p.is_contiguous());
  }
}

TEST_F(Models, DoubleConversionKeepsOutputsAndIntegerBuffers) {
  const auto [model, images, boxes, reference] = randomResNet18GazeModel(7, 2, 64);
  // A gradient travels with its parameter.
  model->forward(images, boxes).sum().backward();
  convertModel(*model, torch::kDouble, false);
  for (const auto& item : stateDictOf(*model)) {
    const bool counter = item.key().size() >= 19 &&
                         item.key().compare(item.key().size() - 19, 19, "num_batches_tracked") == 0;
    EXPECT_EQ(item.value().scalar_type(), counter ? torch::kLong : torch::kDouble) << item.key();
  }
  for (const auto& p : model->parameters()) EXPECT_EQ(p.grad().scalar_type(), torch::kDouble);
  torch::NoGradGuard noGrad;
  const auto converted = model->forward(images.to(torch::kDouble), boxes.to(torch::kDouble));
  EXPECT_EQ(converted.scalar_type(), torch::kDouble);
  EXPECT_LT(maxRelativeError(converted, reference), 1e-5);
  model->train();
  model->forward(images.to(torch::kDouble), boxes.to(torch::kDouble));  // BatchNorm updates double stats
  EXPECT_EQ(stateDictOf(*model).find("encoder_box.bn.num_batches_tracked")->item<int64_t>(), 8);
  EXPECT_NE(errorOf([m = model] { convertModel(*m, torch::kInt, false); }).find("not a floating-point type"),
            std::string::npos);
}

}  // namespace
}  // namespace gazecoder
