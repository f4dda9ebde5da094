// Seeded randomness, one generator for all: synthetic datasets and test fixtures are the same on every
// run, and bootstrap intervals are reproducible (iCatcher+ leaves its RNG unseeded). It lives in this
// dependency-free base package so that synth, evaluate and the tests share it.

/** A small seeded PRNG (xorshift32; shifts only, since Math calls are slow under jest): uniform in [0, 1). */
export function rng(seed: number): () => number {
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/**
 * `seed` scrambled (murmur3's 32-bit finaliser): xorshift's streams for nearby seeds start alike, so
 * where callers count seeds up (bootstrap seeds 0, 1, 2 …) they seed with this.
 */
export function mixedSeed(seed: number): number {
  let h = Math.trunc(seed) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Uniform in [a, b) from `random`. */
export function uniform(random: () => number, a: number, b: number): number {
  return a + (b - a) * random();
}

/** Integer in [a, b] from `random`. */
export function integer(random: () => number, a: number, b: number): number {
  return a + Math.floor(random() * (b - a + 1));
}

/** A version-4-shaped UUID drawn from `random` (what Lookit's video IDs look like). */
export function uuid(random: () => number): string {
  const hex = (n: number): string => Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(12)}`;
}

/** A Fisher–Yates shuffle of a copy of `items`. */
export function shuffled<T>(random: () => number, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}
