// The N-API surface of gazecoder's core: argument conversion and promises, nothing else.
#include <cstdint>

#include "napi_exceptions.h"

#include "addon_data.h"
#include "async_task.h"
#include "errors.h"
#include "face_models_wrap.h"
#include "gazecoder/distributed/process_group.h"
#include "gazecoder/models/model_factory.h"
#include "gazecoder/runtime.h"
#include "gazecoder/self_test.h"
#include "js_values.h"
#include "model_wrap.h"
#include "train_session.h"

namespace gazecoder::binding {
namespace {

Napi::Value Info(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    const RuntimeInfo info = runtimeInfo();
    Napi::Object out = Napi::Object::New(env);
    out.Set("gazecoderVersion", info.gazecoderVersion);
    out.Set("torchVersion", info.torchVersion);
    out.Set("torchBuiltWithCuda", info.torchBuiltWithCuda);
    out.Set("cudaAvailable", info.cudaAvailable);
    out.Set("cudnnVersion", info.cudnnVersion.empty() ? env.Null() : Napi::String::New(env, info.cudnnVersion));
    Napi::Array gpus = Napi::Array::New(env, info.gpus.size());
    for (size_t i = 0; i < info.gpus.size(); ++i) {
      const GpuInfo& g = info.gpus[i];
      Napi::Object gpu = Napi::Object::New(env);
      gpu.Set("index", g.index);
      gpu.Set("name", g.name);
      gpu.Set("totalMemoryBytes", static_cast<double>(g.totalMemoryBytes));
      gpu.Set("computeCapability", std::to_string(g.computeCapabilityMajor) + "." + std::to_string(g.computeCapabilityMinor));
      gpus.Set(i, gpu);
    }
    out.Set("gpus", gpus);
    out.Set("intraOpThreads", info.intraOpThreads);
    out.Set("interOpThreads", info.interOpThreads);
    out.Set("parallelBackend", info.parallelBackend);
    out.Set("blas", info.blas);
    out.Set("cpuCapability", info.cpuCapability);
    Napi::Array backends = Napi::Array::New(env, info.distributedBackends.size());
    for (size_t i = 0; i < info.distributedBackends.size(); ++i) backends.Set(i, info.distributedBackends[i]);
    out.Set("distributedBackends", backends);
    return out;
  });
}

Napi::Value SetThreads(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    const auto requested = static_cast<int>(requireInteger(args, 0, "threads", INT32_MIN, kMaxThreads));
    return Napi::Number::New(env, configureThreads(requested));
  });
}

Napi::Value Architectures(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    const auto names = listArchitectures();
    Napi::Array out = Napi::Array::New(env, names.size());
    for (size_t i = 0; i < names.size(); ++i) out.Set(static_cast<uint32_t>(i), names[i]);
    return out;
  });
}

Napi::Value SelfTest(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    const Napi::Object options = optionalObject(args, 0, "options");
    SelfTestOptions o;
    // Integers that int holds; whether they make sense (steps >= 1, ...) is the core's call.
    o.steps = static_cast<int>(integerOr(options, "steps", o.steps, INT32_MIN, INT32_MAX));
    o.batchSize = static_cast<int>(integerOr(options, "batchSize", o.batchSize, INT32_MIN, INT32_MAX));
    o.imageSize = static_cast<int>(integerOr(options, "imageSize", o.imageSize, INT32_MIN, INT32_MAX));
    o.seed = static_cast<uint64_t>(integerOr(options, "seed", static_cast<int64_t>(o.seed), 0, kMaxSafeInteger));
    o.device = stringOr(options, "device", o.device);
    return runAsync<SelfTestResult>(
        env, "gazecoder.selfTest", [o] { return runSelfTest(o); },
        [](Napi::Env env, SelfTestResult& r) -> Napi::Value {
          Napi::Object out = Napi::Object::New(env);
          out.Set("device", r.device);
          Napi::Array losses = Napi::Array::New(env, r.losses.size());
          for (size_t i = 0; i < r.losses.size(); ++i) losses.Set(i, r.losses[i]);
          out.Set("losses", losses);
          out.Set("seconds", r.seconds);
          out.Set("lossFell", r.lossFell());
          return out;
        });
  });
}

Napi::Value AbandonCollectives(const Napi::CallbackInfo& args) {
  Napi::Env env = args.Env();
  return guarded(env, [&]() -> Napi::Value {
    distributed::abandonAllGroups(requireString(args, 0, "reason"));
    return env.Undefined();
  });
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("info", Napi::Function::New(env, Info, "info"));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads, "setThreads"));
  exports.Set("selfTest", Napi::Function::New(env, SelfTest, "selfTest"));
  exports.Set("architectures", Napi::Function::New(env, Architectures, "architectures"));
  exports.Set("createModel", Napi::Function::New(env, ModelWrap::Create, "createModel"));
  exports.Set("createRetinaFace", Napi::Function::New(env, RetinaFaceWrap::Create, "createRetinaFace"));
  exports.Set("createFaceClassifier", Napi::Function::New(env, FaceClassifierWrap::Create, "createFaceClassifier"));
  exports.Set("startTraining", Napi::Function::New(env, StartTraining, "startTraining"));
  exports.Set("quickExit", Napi::Function::New(env, QuickExit, "quickExit"));
  exports.Set("abandonCollectives", Napi::Function::New(env, AbandonCollectives, "abandonCollectives"));
  // The classes are only reachable through their create functions; their constructors live with this
  // addon instance.
  auto* data = new AddonData();
  data->model = Napi::Persistent(ModelWrap::Define(env));
  data->retinaFace = Napi::Persistent(RetinaFaceWrap::Define(env));
  data->faceClassifier = Napi::Persistent(FaceClassifierWrap::Define(env));
  env.SetInstanceData(data);
  return exports;
}

}  // namespace gazecoder::binding

// NODE_API_MODULE pastes the name into an identifier, so it must be unqualified.
static Napi::Object InitGazecoder(Napi::Env env, Napi::Object exports) { return gazecoder::binding::Init(env, exports); }
NODE_API_MODULE(gazecoder, InitGazecoder)
