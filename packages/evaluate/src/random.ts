// A small seeded PRNG, so that bootstrap intervals are reproducible run to run (iCatcher+ leaves its
// RNG unseeded).

/** A uniform integer generator over [0, n), deterministic for a given seed. */
export interface RandomIntegers {
  below(n: number): number;
}

/** Mulberry32: 32-bit state, fast, and uniform enough for resampling. */
export function seededRandom(seed: number): RandomIntegers {
  let state = (Math.trunc(seed) ^ 0x9e3779b9) >>> 0;
  const next32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    below(n: number): number {
      // Multiply-shift on 32 bits; the bias (n / 2^32) is far below bootstrap noise.
      return Math.floor((next32() / 0x100000000) * n);
    },
  };
}
