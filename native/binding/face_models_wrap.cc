#include "face_models_wrap.h"

#include <cstdint>
#include <string>
#include <vector>

#include "addon_data.h"
#include "async_task.h"
#include "js_values.h"

namespace gazecoder::binding {
namespace {

// An 8-bit 3-channel image from JS, copied so that no JS buffer is read from a worker thread.
struct OwnedImage {
  std::vector<uint8_t> pixels;
  int64_t height = 0;
  int64_t width = 0;
};

// `{ data: Uint8Array, width, height }` with width·height·3 bytes; `what` names it in errors.
OwnedImage imageFromJs(const Napi::Value& value, const std::string& what) {
  Napi::Env env = value.Env();
  if (!value.IsObject() || value.IsArray()) throw Napi::TypeError::New(env, what + " must be { data: Uint8Array, width, height }, got " + typeName(value));
  const Napi::Object object = value.As<Napi::Object>();
  const Napi::Value data = object.Get("data");
  if (!data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, what + ".data must be a Uint8Array, got " + typeName(data));
  }
  OwnedImage image;
  image.width = integerOr(object, "width", -1, 1, 1 << 16);
  image.height = integerOr(object, "height", -1, 1, 1 << 16);
  if (image.width < 0 || image.height < 0) throw Napi::TypeError::New(env, what + " needs width and height");
  const Napi::Uint8Array bytes = data.As<Napi::Uint8Array>();
  const auto expected = static_cast<size_t>(image.width * image.height * 3);
  if (bytes.ElementLength() != expected) {
    throw Napi::RangeError::New(env, what + ".data has " + std::to_string(bytes.ElementLength()) + " bytes, but a " +
                                         std::to_string(image.width) + "×" + std::to_string(image.height) + " 3-channel image has " +
                                         std::to_string(expected));
  }
  image.pixels.assign(bytes.Data(), bytes.Data() + expected);
  return image;
}

std::vector<OwnedImage> imagesFromJs(const Napi::Value& value, const std::string& what) {
  if (!value.IsArray()) throw Napi::TypeError::New(value.Env(), what + " must be an array, got " + typeName(value));
  const Napi::Array array = value.As<Napi::Array>();
  std::vector<OwnedImage> images;
  for (uint32_t i = 0; i < array.Length(); ++i) images.push_back(imageFromJs(array.Get(i), what + "[" + std::to_string(i) + "]"));
  return images;
}

Napi::Array floats(Napi::Env env, const float* values, size_t n) {
  Napi::Array out = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; ++i) out.Set(static_cast<uint32_t>(i), static_cast<double>(values[i]));
  return out;
}

struct CreateOptions {
  std::string weights;
  std::string device;
  CheckpointReadOptions read;
};

CreateOptions createOptions(const Napi::CallbackInfo& args) {
  const Napi::Object options = optionalObject(args, 0, "options");
  CreateOptions out;
  const Napi::Value weights = options.Get("weights");
  if (!weights.IsString() || weights.As<Napi::String>().Utf8Value().empty()) {
    throw Napi::TypeError::New(args.Env(), "options.weights must be the path of a .pth file, got " + typeName(weights));
  }
  out.weights = weights.As<Napi::String>().Utf8Value();
  if (out.weights.find('\0') != std::string::npos) throw Napi::TypeError::New(args.Env(), "options.weights must not contain a NUL character");
  out.device = stringOr(options, "device", "cpu");
  out.read.verifyCrc = boolOr(options, "verifyCrc", out.read.verifyCrc);
  return out;
}

// createRetinaFace / createFaceClassifier: the weights file read first (a missing or damaged one fails
// before the network is built: VGG16 takes a second), then the model on its device, then its JS handle.
template <typename Model>
Napi::Value createFaceModel(const Napi::CallbackInfo& args, const char* name, Napi::FunctionReference* constructor) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    const CreateOptions o = createOptions(args);
    return runAsync<std::shared_ptr<Model>>(
        env, name,
        [o] {
          const StateDict state = loadStateDictFile(o.weights, o.read);
          auto model = std::make_shared<Model>(o.device);
          model->loadWeights(state, o.weights);
          return model;
        },
        [constructor](Napi::Env env, std::shared_ptr<Model>& model) -> Napi::Value {
          return constructor->New({Napi::External<std::shared_ptr<Model>>::New(env, &model)});
        });
  });
}

}  // namespace

Napi::Function RetinaFaceWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeRetinaFace",
                     {InstanceMethod("detect", &RetinaFaceWrap::Detect), InstanceMethod("dispose", &RetinaFaceWrap::Dispose)});
}

RetinaFaceWrap::RetinaFaceWrap(const Napi::CallbackInfo& args) : Napi::ObjectWrap<RetinaFaceWrap>(args) {
  if (args.Length() != 1 || !args[0].IsExternal()) throw Napi::TypeError::New(args.Env(), "NativeRetinaFace is created by createRetinaFace(options), not with new");
  detector_ = *args[0].As<Napi::External<std::shared_ptr<RetinaFace>>>().Data();
}

Napi::Value RetinaFaceWrap::Create(const Napi::CallbackInfo& args) {
  return createFaceModel<RetinaFace>(args, "gazecoder.createRetinaFace", &addonData(args.Env()).retinaFace);
}

Napi::Value RetinaFaceWrap::Detect(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (!detector_) throw Napi::Error::New(env, "this RetinaFace has been disposed");
    auto detector = detector_;
    auto frames = std::make_shared<std::vector<OwnedImage>>(imagesFromJs(argument(args, 0), "frames"));
    if (frames->empty()) throw Napi::RangeError::New(env, "frames must hold at least one frame");
    for (size_t i = 1; i < frames->size(); ++i) {
      if ((*frames)[i].width != (*frames)[0].width || (*frames)[i].height != (*frames)[0].height) {
        throw Napi::RangeError::New(env, "frames[" + std::to_string(i) + "] is " + std::to_string((*frames)[i].width) + "×" +
                                             std::to_string((*frames)[i].height) + ", frames[0] " + std::to_string((*frames)[0].width) +
                                             "×" + std::to_string((*frames)[0].height) + ": one batch takes one size");
      }
    }
    const Napi::Object options = optionalObject(args, 1, "options");
    RetinaFaceOptions o;
    o.threshold = static_cast<float>(numberOr(options, "threshold", o.threshold));
    o.nmsThreshold = static_cast<float>(numberOr(options, "nmsThreshold", o.nmsThreshold));
    o.topK = integerOr(options, "topK", o.topK, 0, INT32_MAX);
    o.keepTopK = integerOr(options, "keepTopK", o.keepTopK, 0, INT32_MAX);
    using Result = std::vector<std::vector<FaceDetection>>;
    return runAsync<Result>(
        env, "gazecoder.retinaFace.detect",
        [detector, frames, o] {
          std::vector<BgrFrame> views;
          for (const auto& f : *frames) views.push_back({f.pixels.data(), f.height, f.width});
          return detector->detect(views, o);
        },
        [](Napi::Env env, Result& result) -> Napi::Value {
          Napi::Array out = Napi::Array::New(env, result.size());
          for (size_t i = 0; i < result.size(); ++i) {
            Napi::Array faces = Napi::Array::New(env, result[i].size());
            for (size_t j = 0; j < result[i].size(); ++j) {
              const FaceDetection& d = result[i][j];
              Napi::Object face = Napi::Object::New(env);
              face.Set("box", floats(env, d.box.data(), d.box.size()));
              face.Set("score", static_cast<double>(d.score));
              face.Set("landmarks", floats(env, d.landmarks.data(), d.landmarks.size()));
              faces.Set(static_cast<uint32_t>(j), face);
            }
            out.Set(static_cast<uint32_t>(i), faces);
          }
          return out;
        });
  });
}

Napi::Value RetinaFaceWrap::Dispose(const Napi::CallbackInfo& args) {
  detector_.reset();
  return args.Env().Undefined();
}

Napi::Function FaceClassifierWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeFaceClassifier", {InstanceMethod("classify", &FaceClassifierWrap::Classify),
                                                   InstanceMethod("dispose", &FaceClassifierWrap::Dispose)});
}

FaceClassifierWrap::FaceClassifierWrap(const Napi::CallbackInfo& args) : Napi::ObjectWrap<FaceClassifierWrap>(args) {
  if (args.Length() != 1 || !args[0].IsExternal()) throw Napi::TypeError::New(args.Env(), "NativeFaceClassifier is created by createFaceClassifier(options), not with new");
  classifier_ = *args[0].As<Napi::External<std::shared_ptr<InfantFaceClassifier>>>().Data();
}

Napi::Value FaceClassifierWrap::Create(const Napi::CallbackInfo& args) {
  return createFaceModel<InfantFaceClassifier>(args, "gazecoder.createFaceClassifier", &addonData(args.Env()).faceClassifier);
}

Napi::Value FaceClassifierWrap::Classify(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    if (!classifier_) throw Napi::Error::New(env, "this face classifier has been disposed");
    auto classifier = classifier_;
    auto crops = std::make_shared<std::vector<OwnedImage>>(imagesFromJs(argument(args, 0), "crops"));
    using Result = std::vector<FaceClass>;
    return runAsync<Result>(
        env, "gazecoder.faceClassifier.classify",
        [classifier, crops] {
          std::vector<RgbCrop> views;
          for (const auto& c : *crops) views.push_back({c.pixels.data(), c.height, c.width});
          return classifier->classify(views);
        },
        [](Napi::Env env, Result& result) -> Napi::Value {
          Napi::Array out = Napi::Array::New(env, result.size());
          for (size_t i = 0; i < result.size(); ++i) {
            Napi::Object entry = Napi::Object::New(env);
            entry.Set("label", static_cast<double>(result[i].label));
            entry.Set("logits", floats(env, result[i].logits.data(), result[i].logits.size()));
            out.Set(static_cast<uint32_t>(i), entry);
          }
          return out;
        });
  });
}

Napi::Value FaceClassifierWrap::Dispose(const Napi::CallbackInfo& args) {
  classifier_.reset();
  return args.Env().Undefined();
}

}  // namespace gazecoder::binding
