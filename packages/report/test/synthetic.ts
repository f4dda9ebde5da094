// Synthetic gaze codings for the report tests.
import { rng } from '@gazecoder/formats';

/**
 * Per-frame labels: runs of looks (with a few invalid −3 stretches), or — with `base` — a copy of
 * `base` where each frame changes to a random label with probability `noise`.
 */
export function seededLabels(seed: number, length: number, noise: number, base?: readonly number[]): number[] {
  const random = rng(seed + 1000 * noise + 1);
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
