#pragma once
// Tensors across the boundary: JS `{ data: Float32Array, shape: number[] }` <-> float32 CPU tensors.
// Data is copied both ways, so no JS buffer is touched from a worker thread.
#include <napi.h>
#include <torch/types.h>

#include <cstring>
#include <string>
#include <vector>

namespace gazecoder::binding {

inline torch::Tensor tensorFromJs(const Napi::Value& value, const std::string& name) {
  Napi::Env env = value.Env();
  if (!value.IsObject()) throw Napi::TypeError::New(env, name + " must be { data: Float32Array, shape: number[] }");
  Napi::Object object = value.As<Napi::Object>();
  Napi::Value data = object.Get("data");
  Napi::Value shape = object.Get("shape");
  if (!data.IsTypedArray() || data.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    throw Napi::TypeError::New(env, name + ".data must be a Float32Array");
  }
  if (!shape.IsArray()) throw Napi::TypeError::New(env, name + ".shape must be an array of sizes");
  Napi::Array dims = shape.As<Napi::Array>();
  std::vector<int64_t> sizes;
  int64_t numel = 1;
  for (uint32_t i = 0; i < dims.Length(); ++i) {
    Napi::Value d = dims.Get(i);
    if (!d.IsNumber() || d.As<Napi::Number>().DoubleValue() < 0) {
      throw Napi::TypeError::New(env, name + ".shape must hold non-negative integers");
    }
    sizes.push_back(d.As<Napi::Number>().Int64Value());
    numel *= sizes.back();
  }
  Napi::Float32Array array = data.As<Napi::Float32Array>();
  if (static_cast<int64_t>(array.ElementLength()) != numel) {
    throw Napi::RangeError::New(env, name + ": shape holds " + std::to_string(numel) + " values but data has " +
                                         std::to_string(array.ElementLength()));
  }
  torch::Tensor tensor = torch::empty(sizes, torch::kFloat32);
  std::memcpy(tensor.data_ptr<float>(), array.Data(), numel * sizeof(float));
  return tensor;
}

// `tensor` must be a contiguous float32 CPU tensor.
inline Napi::Object tensorToJs(Napi::Env env, const torch::Tensor& tensor) {
  Napi::Float32Array data = Napi::Float32Array::New(env, tensor.numel());
  std::memcpy(data.Data(), tensor.data_ptr<float>(), tensor.numel() * sizeof(float));
  Napi::Array shape = Napi::Array::New(env, tensor.dim());
  for (int64_t i = 0; i < tensor.dim(); ++i) shape.Set(static_cast<uint32_t>(i), static_cast<double>(tensor.size(i)));
  Napi::Object out = Napi::Object::New(env);
  out.Set("data", data);
  out.Set("shape", shape);
  return out;
}

}  // namespace gazecoder::binding
