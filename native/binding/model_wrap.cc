#include "model_wrap.h"

#include <cstdint>
#include <optional>

#include "addon_data.h"
#include "async_task.h"
#include "js_values.h"
#include "tensor_values.h"

namespace gazecoder::binding {
namespace {

struct Empty {};

c10::ScalarType parseDtype(Napi::Env env, const std::string& name) {
  if (name == "float32") return torch::kFloat32;
  if (name == "float64") return torch::kFloat64;
  if (name == "float16") return torch::kFloat16;
  if (name == "bfloat16") return torch::kBFloat16;
  throw Napi::RangeError::New(env, "dtype must be float32, float64, float16 or bfloat16, got '" + name + "'");
}

Napi::Array stringArray(Napi::Env env, const std::vector<std::string>& values) {
  Napi::Array out = Napi::Array::New(env, values.size());
  for (size_t i = 0; i < values.size(); ++i) out.Set(static_cast<uint32_t>(i), values[i]);
  return out;
}

Napi::Array shapeArray(Napi::Env env, const std::vector<int64_t>& sizes) {
  Napi::Array out = Napi::Array::New(env, sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) out.Set(static_cast<uint32_t>(i), static_cast<double>(sizes[i]));
  return out;
}

Napi::Object reportToJs(Napi::Env env, const WeightsReport& report) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("interpretedAs", report.interpretedAs);
  out.Set("loaded", stringArray(env, report.load.loaded));
  out.Set("skipped", stringArray(env, report.load.skipped));
  return out;
}

}  // namespace

Napi::Function ModelWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeModel",
                     {InstanceMethod("describe", &ModelWrap::Describe), InstanceMethod("loadWeights", &ModelWrap::LoadWeights),
                      InstanceMethod("saveWeights", &ModelWrap::SaveWeights), InstanceMethod("forward", &ModelWrap::Forward),
                      InstanceMethod("convert", &ModelWrap::Convert), InstanceMethod("dispose", &ModelWrap::Dispose),
                      InstanceMethod("predictWindows", &ModelWrap::PredictWindows),
                      InstanceMethod("encodeImages", &ModelWrap::EncodeImages),
                      InstanceMethod("predictFromEmbeddings", &ModelWrap::PredictFromEmbeddings)});
}

ModelWrap::ModelWrap(const Napi::CallbackInfo& args) : Napi::ObjectWrap<ModelWrap>(args) {
  if (args.Length() != 1 || !args[0].IsExternal()) {
    throw Napi::TypeError::New(args.Env(), "NativeModel is created by createModel(spec), not with new");
  }
  model_ = *args[0].As<Napi::External<std::shared_ptr<Model>>>().Data();
}

Napi::Value ModelWrap::Create(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Napi::Object options = optionalObject(args, 0, "spec");
    ModelSpec spec;
    spec.arch = stringOr(options, "arch", spec.arch);
    const std::string kind = stringOr(options, "kind", "gaze");
    if (kind != "gaze" && kind != "backbone") throw Napi::TypeError::New(env, "kind must be 'gaze' or 'backbone', got '" + kind + "'");
    spec.kind = kind == "gaze" ? ModelSpec::Kind::Gaze : ModelSpec::Kind::Backbone;
    spec.numClasses = integerOr(options, "numClasses", spec.numClasses, 1, INT32_MAX);
    spec.window = integerOr(options, "window", spec.window, 1, INT32_MAX);
    const std::string init = stringOr(options, "init", "torchvision");
    if (init != "torchvision" && init != "skip") throw Napi::TypeError::New(env, "init must be 'torchvision' or 'skip', got '" + init + "'");
    spec.init = init == "skip" ? WeightInit::ForLoading : WeightInit::Torchvision;
    const std::string device = stringOr(options, "device", "cpu");
    Napi::FunctionReference* constructor = &addonData(env).model;
    return runAsync<std::shared_ptr<Model>>(
        env, "gazecoder.createModel", [spec, device] { return std::make_shared<Model>(spec, device); },
        [constructor](Napi::Env env, std::shared_ptr<Model>& model) -> Napi::Value {
          return constructor->New({Napi::External<std::shared_ptr<Model>>::New(env, &model)});
        });
  });
}

std::shared_ptr<Model> ModelWrap::live(Napi::Env env) const {
  if (!model_) throw Napi::Error::New(env, "this model has been disposed");
  return model_;
}

Napi::Value ModelWrap::Describe(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto model = live(env);
    Napi::Object out = Napi::Object::New(env);
    out.Set("arch", model->spec().arch);
    out.Set("kind", model->spec().kind == ModelSpec::Kind::Gaze ? "gaze" : "backbone");
    out.Set("device", model->device().str());
    out.Set("parameterCount", static_cast<double>(model->parameterCount()));
    const auto shapes = model->stateShapes();
    Napi::Array state = Napi::Array::New(env, shapes.size());
    for (size_t i = 0; i < shapes.size(); ++i) {
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("key", shapes[i].first);
      entry.Set("shape", shapeArray(env, shapes[i].second));
      state.Set(static_cast<uint32_t>(i), entry);
    }
    out.Set("state", state);
    return out;
  });
}

Napi::Value ModelWrap::LoadWeights(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto model = live(env);
    const std::string path = requirePath(args, 0, "path");
    CheckpointReadOptions read;
    read.verifyCrc = boolOr(optionalObject(args, 1, "options"), "verifyCrc", read.verifyCrc);
    return runAsync<WeightsReport>(
        env, "gazecoder.loadWeights", [model, path, read] { return model->loadWeights(path, read); },
        [](Napi::Env env, WeightsReport& report) -> Napi::Value { return reportToJs(env, report); });
  });
}

Napi::Value ModelWrap::SaveWeights(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto model = live(env);
    const std::string path = requirePath(args, 0, "path");
    return runAsync<Empty>(
        env, "gazecoder.saveWeights", [model, path] { model->saveWeights(path); return Empty{}; },
        [](Napi::Env env, Empty&) -> Napi::Value { return env.Undefined(); });
  });
}

Napi::Value ModelWrap::Forward(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto model = live(env);
    torch::Tensor images = tensorFromJs(argument(args, 0), "images");
    std::optional<torch::Tensor> boxes;
    if (!argument(args, 1).IsUndefined() && !argument(args, 1).IsNull()) boxes = tensorFromJs(args[1], "boxes");
    const bool train = argument(args, 2).ToBoolean().Value();
    return runAsync<torch::Tensor>(
        env, "gazecoder.forward", [model, images, boxes, train] { return model->forward(images, boxes, train); },
        [](Napi::Env env, torch::Tensor& out) -> Napi::Value { return tensorToJs(env, out); });
  });
}

Napi::Value ModelWrap::Convert(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    auto model = live(env);
    const c10::ScalarType dtype = parseDtype(env, requireString(args, 0, "dtype"));
    const bool channelsLast = argument(args, 1).ToBoolean().Value();
    return runAsync<Empty>(
        env, "gazecoder.convert", [model, dtype, channelsLast] { model->convert(dtype, channelsLast); return Empty{}; },
        [](Napi::Env env, Empty&) -> Napi::Value { return env.Undefined(); });
  });
}

Napi::Value ModelWrap::Dispose(const Napi::CallbackInfo& args) {
  model_.reset();
  return args.Env().Undefined();
}

}  // namespace gazecoder::binding
