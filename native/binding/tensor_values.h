#pragma once
// Tensors across the boundary: JS `{ data: Float32Array, shape: number[] }` <-> float32 CPU tensors.
// Data is copied both ways, so no JS buffer is touched from a worker thread.
#include <torch/types.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "js_values.h"
#include "napi_exceptions.h"

namespace gazecoder::binding {

// More dimensions than any model input has (B×N×3×H×W) is a mistake, and long shape arrays cost time.
constexpr uint32_t kMaxTensorDims = 16;

// The one check of a shape that crosses the boundary: an array of at most kMaxTensorDims sizes, each
// a non-negative integer, whose product fits int64. Throws a TypeError/RangeError naming `name`.
inline std::vector<int64_t> shapeFromJs(const Napi::Value& value, const std::string& name, int64_t& numel) {
  Napi::Env env = value.Env();
  if (!value.IsArray()) throw Napi::TypeError::New(env, name + " must be an array of sizes, got " + typeName(value));
  const Napi::Array dims = value.As<Napi::Array>();
  if (dims.Length() > kMaxTensorDims) {
    throw Napi::RangeError::New(env, name + " has " + std::to_string(dims.Length()) + " dimensions, at most " +
                                         std::to_string(kMaxTensorDims) + " are supported");
  }
  std::vector<int64_t> sizes;
  int64_t nonZero = 1;  // LibTorch multiplies strides of the other sizes even when one is 0
  bool overflow = false;
  for (uint32_t i = 0; i < dims.Length(); ++i) {
    const Napi::Value d = dims.Get(i);
    const std::string element = name + "[" + std::to_string(i) + "]";
    if (!d.IsNumber()) throw Napi::TypeError::New(env, element + " must be a number, got " + typeName(d));
    const double size = d.As<Napi::Number>().DoubleValue();
    if (!std::isfinite(size) || std::floor(size) != size || size < 0 || size > static_cast<double>(kMaxSafeInteger)) {
      throw Napi::RangeError::New(env, element + " must be a non-negative integer below 2^53, got " + describeNumber(size));
    }
    sizes.push_back(static_cast<int64_t>(size));
    if (sizes.back() > 0) overflow = overflow || __builtin_mul_overflow(nonZero, sizes.back(), &nonZero);
  }
  if (overflow) throw Napi::RangeError::New(env, name + ": the sizes multiply past 2^63 - 1");
  numel = std::find(sizes.begin(), sizes.end(), 0) == sizes.end() ? nonZero : 0;
  return sizes;
}

inline torch::Tensor tensorFromJs(const Napi::Value& value, const std::string& name) {
  Napi::Env env = value.Env();
  if (!value.IsObject() || value.IsArray() || value.IsTypedArray() || value.IsFunction()) {
    throw Napi::TypeError::New(env, name + " must be { data: Float32Array, shape: number[] }, got " + typeName(value));
  }
  const Napi::Object object = value.As<Napi::Object>();
  const Napi::Value data = object.Get("data");
  if (!data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, name + ".data must be a Float32Array, got " + typeName(data));
  }
  int64_t numel = 0;
  const std::vector<int64_t> sizes = shapeFromJs(object.Get("shape"), name + ".shape", numel);
  const Napi::Float32Array array = data.As<Napi::Float32Array>();
  if (static_cast<uint64_t>(numel) != array.ElementLength()) {
    throw Napi::RangeError::New(env, name + ".data has " + std::to_string(array.ElementLength()) + " values, but " +
                                         name + ".shape holds " + std::to_string(numel));
  }
  torch::Tensor tensor = torch::empty(sizes, torch::kFloat32);
  if (numel > 0) std::memcpy(tensor.data_ptr<float>(), array.Data(), static_cast<size_t>(numel) * sizeof(float));
  return tensor;
}

// `tensor` must be a contiguous float32 CPU tensor.
inline Napi::Object tensorToJs(Napi::Env env, const torch::Tensor& tensor) {
  Napi::Float32Array data = Napi::Float32Array::New(env, tensor.numel());
  if (tensor.numel() > 0) std::memcpy(data.Data(), tensor.data_ptr<float>(), tensor.numel() * sizeof(float));
  Napi::Array shape = Napi::Array::New(env, tensor.dim());
  for (int64_t i = 0; i < tensor.dim(); ++i) shape.Set(static_cast<uint32_t>(i), static_cast<double>(tensor.size(i)));
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", data);
  out.Set("shape", shape);
  return out;
}

}  // namespace gazecoder::binding
