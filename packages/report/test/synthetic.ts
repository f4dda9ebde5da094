// Synthetic gaze codings for the report tests.

/** A small deterministic PRNG (mulberry32) so fixtures are the same every run. */
function prng(seed: number): () => number {
  let state = (seed * 2654435761) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Per-frame labels: runs of looks (with a few invalid −3 stretches), or — with `base` — a copy of
 * `base` where each frame changes to a random label with probability `noise`.
 */
export function seededLabels(seed: number, length: number, noise: number, base?: readonly number[]): number[] {
  const random = prng(seed + 1000 * noise + 1);
  if (base) return base.slice(0, length).map((l) => (random() < noise ? Math.floor(random() * 3) : l));
  const out: number[] = [];
  while (out.length < length) {
    const r = random();
    const label = r < 0.05 ? -3 : r < 0.3 ? 0 : r < 0.65 ? 1 : 2;
    const run = 5 + Math.floor(random() * 40);
    for (let i = 0; i < run && out.length < length; i += 1) out.push(label);
  }
  return out;
}
