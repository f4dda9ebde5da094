#pragma once
// Writing the JSON of config.json and metrics.jsonl (objects of numbers, strings, booleans, arrays).
#include <charconv>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace gazecoder::train::json {

inline std::string quote(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

// Shortest round-trip form; null for inf and NaN, which JSON lacks.
inline std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, result.ptr);
}

// Floats in their own shortest form (0.485f prints as 0.485, not 0.48500001430511475).
inline std::string number(float v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, result.ptr);
}

inline std::string number(const std::optional<double>& v) { return v ? number(*v) : "null"; }

template <typename T>
std::string array(const std::vector<T>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i) out += ",";
    if constexpr (std::is_same_v<T, std::string>) out += values[i];  // already JSON
    else if constexpr (std::is_integral_v<T>) out += std::to_string(values[i]);
    else out += number(values[i]);
  }
  return out + "]";
}

// An object built member by member, in order.
class Object {
 public:
  Object& string(const std::string& key, const std::string& v) { return raw(key, quote(v)); }
  Object& number(const std::string& key, double v) { return raw(key, json::number(v)); }
  Object& number(const std::string& key, const std::optional<double>& v) { return raw(key, json::number(v)); }
  Object& integer(const std::string& key, int64_t v) { return raw(key, std::to_string(v)); }
  Object& boolean(const std::string& key, bool v) { return raw(key, v ? "true" : "false"); }
  Object& raw(const std::string& key, const std::string& json) {
    text_ += (text_.empty() ? "" : ",") + quote(key) + ":" + json;
    return *this;
  }
  std::string str() const { return "{" + text_ + "}"; }
  // The members without braces, to splice into another object.
  const std::string& members() const { return text_; }

 private:
  std::string text_;
};

}  // namespace gazecoder::train::json
