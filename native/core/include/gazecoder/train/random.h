#pragma once
// Random streams that are pure functions of (seed, purpose, indices), so that results do not depend on
// thread scheduling or on how many workers produced them, and a resumed run draws what the
// uninterrupted one drew.
#include <cstdint>
#include <initializer_list>

namespace gazecoder::train {

// What a stream is for; part of every derived seed so that streams never coincide.
// ClipFlip and FrameJitter: shared-frame batches, whose flip is drawn per clip and jitter per frame.
enum class Stream : uint64_t { Shuffle = 1, Augment = 2, Dropout = 3, Init = 4, ClipFlip = 5, FrameJitter = 6 };

// SplitMix64's finaliser: a bijective 64-bit mix.
inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The seed of stream `stream` at `indices` (e.g. {epoch, sample}) of a run seeded with `seed`.
inline uint64_t deriveSeed(uint64_t seed, Stream stream, std::initializer_list<uint64_t> indices) {
  uint64_t h = mix64(seed + 0x9e3779b97f4a7c15ULL * static_cast<uint64_t>(stream));
  for (const uint64_t index : indices) h = mix64(h ^ (index + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)));
  return h;
}

// xoshiro256** seeded through SplitMix64: small, fast, identical on every platform (unlike the
// distributions of <random>).
class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (auto& word : s_) {
      seed += 0x9e3779b97f4a7c15ULL;
      word = mix64(seed);
    }
  }

  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi), as torch's uniform_(lo, hi) draws it.
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [0, n) (Lemire's multiply-shift; the bias is below 2^-32 for the n used here).
  uint64_t below(uint64_t n) { return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * n) >> 64); }
  bool coin() { return (next() >> 63) != 0; }

 private:
  uint64_t s_[4];
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
};

}  // namespace gazecoder::train
