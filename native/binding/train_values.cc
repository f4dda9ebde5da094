#include "train_values.h"

#include <initializer_list>
#include <limits>
#include <string>
#include <type_traits>
#include <utility>

#include "js_values.h"

namespace gazecoder::binding {
namespace {

using namespace gazecoder::train;

// An integer member that T holds exactly; whether its value makes sense is the core's TrainConfig's call.
template <typename T>
std::optional<T> optionalInteger(const Napi::Object& o, const char* key) {
  const int64_t min = std::is_signed_v<T> ? -kMaxSafeInteger : 0;
  const int64_t max = static_cast<uint64_t>(std::numeric_limits<T>::max()) > static_cast<uint64_t>(kMaxSafeInteger)
                          ? kMaxSafeInteger
                          : static_cast<int64_t>(std::numeric_limits<T>::max());
  const auto v = binding::optionalInteger(o, key, min, max);
  if (!v) return std::nullopt;
  return static_cast<T>(*v);
}

std::optional<DistributedRequest> distributedFromJs(const Napi::Object& options) {
  const Napi::Value value = options.Get("distributed");
  if (value.IsUndefined() || value.IsNull()) return std::nullopt;
  if (!value.IsObject()) {
    throw Napi::TypeError::New(options.Env(), "distributed must be an object { rank, worldSize, masterAddr, masterPort, timeoutSeconds }");
  }
  const Napi::Object o = value.As<Napi::Object>();
  DistributedRequest d;
  d.rank = optionalInteger<int64_t>(o, "rank").value_or(d.rank);
  d.worldSize = optionalInteger<int64_t>(o, "worldSize").value_or(d.worldSize);
  d.masterAddr = stringOr(o, "masterAddr", d.masterAddr);
  d.masterPort = optionalInteger<int64_t>(o, "masterPort").value_or(d.masterPort);
  d.timeoutSeconds = optionalInteger<int64_t>(o, "timeoutSeconds").value_or(d.timeoutSeconds);
  return d;
}

Napi::Array numbers(Napi::Env env, const std::array<int64_t, 3>& values) {
  Napi::Array out = Napi::Array::New(env, values.size());
  for (uint32_t i = 0; i < values.size(); ++i) out.Set(i, static_cast<double>(values[i]));
  return out;
}

Napi::Value stringOrNull(Napi::Env env, const std::string& s) {
  return s.empty() ? env.Null() : Napi::String::New(env, s);
}

}  // namespace

std::vector<VideoSource> videosFromJs(const Napi::Object& options, bool withSplit) {
  Napi::Env env = options.Env();
  const Napi::Value value = options.Get("videos");
  if (!value.IsArray()) {
    throw Napi::TypeError::New(env, withSplit ? "videos must be an array of { id, dir, split }" : "videos must be an array of { id, dir }");
  }
  const Napi::Array array = value.As<Napi::Array>();
  std::vector<VideoSource> videos;
  for (uint32_t i = 0; i < array.Length(); ++i) {
    const std::string name = "videos[" + std::to_string(i) + "]";
    if (!array.Get(i).IsObject()) throw Napi::TypeError::New(env, name + (withSplit ? " must be an object" : " must be { id, dir }"));
    const Napi::Object v = array.Get(i).As<Napi::Object>();
    VideoSource source{stringOr(v, "id", ""), stringOr(v, "dir", "")};
    if (withSplit) {
      const std::string split = stringOr(v, "split", "");
      if (split != "train" && split != "val") throw Napi::TypeError::New(env, name + ".split must be 'train' or 'val', got '" + split + "'");
      source.split = split == "train" ? Split::Train : Split::Val;
    } else if (source.id.empty() || source.dir.empty()) {
      throw Napi::TypeError::New(env, name + " needs an id and a dir");
    }
    videos.push_back(std::move(source));
  }
  return videos;
}

TrainRequest trainRequestFromJs(const Napi::Object& o) {
  TrainRequest r;
  r.dataset = stringOr(o, "dataset", "");
  r.videos = videosFromJs(o, /*withSplit=*/true);
  r.imageSize = optionalInteger<int64_t>(o, "imageSize").value_or(100);
  r.outDir = stringOr(o, "out", "");
  r.resume = boolOr(o, "resume", false);
  // The optional members, each named as in TrainRequest (read in this order, as a getter may throw).
  using Strings = std::optional<std::string> TrainRequest::*;
  for (const auto& [key, member] : std::initializer_list<std::pair<const char*, Strings>>{
           {"arch", &TrainRequest::arch}, {"device", &TrainRequest::device}, {"optimizer", &TrainRequest::optimizer},
           {"amp", &TrainRequest::amp}, {"pretrained", &TrainRequest::pretrained}, {"init", &TrainRequest::init}}) {
    r.*member = optionalString(o, key);
  }
  using Integers = std::optional<int64_t> TrainRequest::*;
  for (const auto& [key, member] : std::initializer_list<std::pair<const char*, Integers>>{
           {"batchSize", &TrainRequest::batchSize}, {"epochs", &TrainRequest::epochs}, {"workers", &TrainRequest::workers},
           {"earlyStopping", &TrainRequest::earlyStopping}, {"logEvery", &TrainRequest::logEvery},
           {"checkpointEvery", &TrainRequest::checkpointEvery}, {"sharedFrames", &TrainRequest::sharedFrames}}) {
    r.*member = optionalInteger<int64_t>(o, key);
  }
  r.seed = optionalInteger<uint64_t>(o, "seed");
  r.lr = optionalNumber(o, "lr");
  using Bools = std::optional<bool> TrainRequest::*;
  for (const auto& [key, member] : std::initializer_list<std::pair<const char*, Bools>>{
           {"channelsLast", &TrainRequest::channelsLast}, {"eliminateTransitions", &TrainRequest::eliminateTransitions},
           {"useMutuallyAgreed", &TrainRequest::useMutuallyAgreed}, {"horizontalFlip", &TrainRequest::horizontalFlip},
           {"foreach", &TrainRequest::foreach}, {"cudnnBenchmark", &TrainRequest::cudnnBenchmark},
           {"cudaGraphs", &TrainRequest::cudaGraphs}, {"syncBatchNorm", &TrainRequest::syncBatchNorm},
           {"freezeEncoderBatchNorm", &TrainRequest::freezeEncoderBatchNorm}}) {
    r.*member = optionalBool(o, key);
  }
  r.distributed = distributedFromJs(o);
  return r;
}

Napi::Object trainEventToJs(Napi::Env env, const TrainEvent& event) {
  Napi::Object out = Napi::Object::New(env);
  if (const auto* e = std::get_if<StartEvent>(&event)) {
    out.Set("type", "start");
    out.Set("device", e->device);
    out.Set("arch", e->arch);
    out.Set("amp", e->amp);
    out.Set("channelsLast", e->channelsLast);
    out.Set("parameterCount", static_cast<double>(e->parameterCount));
    out.Set("trainVideos", static_cast<double>(e->trainVideos));
    out.Set("valVideos", static_cast<double>(e->valVideos));
    out.Set("trainWindows", static_cast<double>(e->trainWindows));
    out.Set("valWindows", static_cast<double>(e->valWindows));
    out.Set("trainClassCounts", numbers(env, e->trainClassCounts));
    out.Set("valClassCounts", numbers(env, e->valClassCounts));
    out.Set("batchesPerEpoch", static_cast<double>(e->batchesPerEpoch));
    out.Set("epochs", static_cast<double>(e->epochs));
    out.Set("startEpoch", static_cast<double>(e->startEpoch));
    out.Set("startBatch", static_cast<double>(e->startBatch));
    out.Set("workers", static_cast<double>(e->workers));
    out.Set("configPath", e->configPath);
    out.Set("rank", static_cast<double>(e->rank));
    out.Set("worldSize", static_cast<double>(e->worldSize));
    out.Set("backend", stringOrNull(env, e->backend));
  } else if (const auto* e = std::get_if<StepEvent>(&event)) {
    out.Set("type", "step");
    out.Set("epoch", static_cast<double>(e->epoch));
    out.Set("step", static_cast<double>(e->step));
    out.Set("batch", static_cast<double>(e->batch));
    out.Set("batches", static_cast<double>(e->batches));
    out.Set("loss", e->loss);
    out.Set("lr", e->lr);
    out.Set("samplesPerSecond", e->samplesPerSecond);
    out.Set("stepsPerSecond", e->stepsPerSecond);
    out.Set("lossScale", e->lossScale ? Napi::Number::New(env, *e->lossScale) : env.Null());
    out.Set("skipped", e->skipped);
  } else if (const auto* e = std::get_if<EpochEvent>(&event)) {
    out.Set("type", "epoch");
    out.Set("epoch", static_cast<double>(e->epoch));
    out.Set("step", static_cast<double>(e->step));
    out.Set("trainLoss", e->trainLoss);
    out.Set("trainAccuracy", e->trainAccuracy);
    out.Set("valLoss", e->valLoss);
    out.Set("valAccuracy", e->valAccuracy);
    Napi::Array perClass = Napi::Array::New(env, 3);
    Napi::Array confusion = Napi::Array::New(env, 3);
    for (uint32_t c = 0; c < 3; ++c) {
      const auto& accuracy = e->valClassAccuracy[c];
      perClass.Set(c, accuracy ? Napi::Number::New(env, *accuracy) : env.Null());
      confusion.Set(c, numbers(env, e->valConfusion[c]));
    }
    out.Set("valClassAccuracy", perClass);
    out.Set("valConfusion", confusion);
    out.Set("lr", e->lr);
    out.Set("isBest", e->isBest);
    out.Set("bestEpoch", static_cast<double>(e->bestEpoch));
    out.Set("bestValAccuracy", e->bestValAccuracy);
    out.Set("trainSeconds", e->trainSeconds);
    out.Set("valSeconds", e->valSeconds);
    out.Set("samplesPerSecond", e->samplesPerSecond);
    out.Set("lastCheckpoint", e->lastCheckpoint);
    out.Set("bestCheckpoint", e->bestCheckpoint);
  } else if (const auto* e = std::get_if<DoneEvent>(&event)) {
    out.Set("type", "done");
    out.Set("reason", e->reason);
    out.Set("epochs", static_cast<double>(e->epochs));
    out.Set("steps", static_cast<double>(e->steps));
    out.Set("bestEpoch", e->bestEpoch > 0 ? Napi::Number::New(env, static_cast<double>(e->bestEpoch)) : env.Null());
    out.Set("bestValAccuracy", e->bestEpoch > 0 ? Napi::Number::New(env, e->bestValAccuracy) : env.Null());
    out.Set("lastCheckpoint", e->lastCheckpoint);
    out.Set("bestCheckpoint", stringOrNull(env, e->bestCheckpoint));
  }
  return out;
}

}  // namespace gazecoder::binding
