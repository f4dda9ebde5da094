// Frame statistics like iCatcher+'s preprocessing log and training_data_info: how many frames are
// annotated, lack a face, are used, per class, how many training windows they give, and how well
// the two coders agree.
import { kappaFromConfusion } from '@gazecoder/evaluate';

import { GAZE_CLASSES, type GazeClass, type VideoStats } from '@gazecoder/formats';

/** Frames of a training window (iCatcher+ §7: 9 frames, all with a face and a coder-1 label). */
export const WINDOW_FRAMES = 9;


const zeroClasses = (): Record<GazeClass, number> => ({ away: 0, left: 0, right: 0 });

/** Statistics of one video from its per-frame coder labels (F×2, −2 invalid) and crop indices (−1 none). */
export function videoStats(labels: Int8Array, frameCrop: Int32Array): VideoStats {
  const frames = frameCrop.length;
  const stats: VideoStats = {
    frames,
    annotated: 0,
    invalid: 0,
    noFace: 0,
    used: 0,
    classes: zeroClasses(),
    usedClasses: zeroClasses(),
    windows: 0,
    coder2: 0,
    confusion: GAZE_CLASSES.map(() => GAZE_CLASSES.map(() => 0)),
  };
  let run = 0;
  for (let f = 0; f < frames; f += 1) {
    const c1 = labels[f * 2] as number;
    const c2 = labels[f * 2 + 1] as number;
    const used = c1 >= 0 && (frameCrop[f] as number) >= 0;
    if (c1 >= 0) {
      stats.annotated += 1;
      stats.classes[GAZE_CLASSES[c1] as GazeClass] += 1;
      if (used) stats.usedClasses[GAZE_CLASSES[c1] as GazeClass] += 1;
      else stats.noFace += 1;
    } else {
      stats.invalid += 1;
    }
    if (used) stats.used += 1;
    if (c2 >= 0) stats.coder2 += 1;
    if (c1 >= 0 && c2 >= 0) {
      const row = stats.confusion[c1] as number[];
      row[c2] = (row[c2] as number) + 1;
    }
    run = used ? run + 1 : 0;
    if (run >= WINDOW_FRAMES) stats.windows += 1;
  }
  return stats;
}

/** Sums video statistics (for a split or the whole dataset). */
export function sumStats(all: readonly VideoStats[]): VideoStats {
  const total = videoStats(new Int8Array(0), new Int32Array(0));
  for (const s of all) {
    for (const key of ['frames', 'annotated', 'invalid', 'noFace', 'used', 'windows', 'coder2'] as const) total[key] += s[key];
    for (const c of GAZE_CLASSES) {
      total.classes[c] += s.classes[c];
      total.usedClasses[c] += s.usedClasses[c];
    }
    s.confusion.forEach((row, i) =>
      row.forEach((n, j) => {
        const sum = total.confusion[i] as number[];
        sum[j] = (sum[j] as number) + n;
      }),
    );
  }
  return total;
}

export interface Agreement {
  /** frames both coders labelled */
  frames: number;
  /** share of those on which they agree (NaN → null when there are none) */
  percent: number | null;
  /** Cohen's kappa over those frames (null when undefined) */
  kappa: number | null;
}

/** Coder-1 vs coder-2 agreement from a confusion matrix (iCatcher+ §11.2: mutually valid frames). */
export function agreement(confusion: readonly (readonly number[])[]): Agreement {
  const n = confusion.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
  if (n === 0) return { frames: 0, percent: null, kappa: null };
  const agreed = confusion.reduce((s, row, i) => s + (row[i] ?? 0), 0);
  // κ as `gazecoder eval` computes it (sklearn's), from the pooled counts; NaN (undefined) → null.
  const kappa = kappaFromConfusion(confusion);
  return { frames: n, percent: agreed / n, kappa: Number.isNaN(kappa) ? null : kappa };
}
