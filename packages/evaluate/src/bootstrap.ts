// Summaries over videos as iCatcher+ reports them (icatcher-plus.md §11.4): the mean of the per-video
// values, ignoring NaN, with a 95 % percentile-bootstrap confidence interval of that mean.
import { mixedSeed, rng } from '@gazecoder/formats';

/** A mean with its bootstrap confidence interval; all NaN when there is no value. */
export interface Estimate {
  mean: number;
  ciLow: number;
  ciHigh: number;
  /** values that entered (NaN ones are left out) */
  n: number;
}

export interface BootstrapOptions {
  /** resamples drawn (default 1000, as iCatcher+) */
  resamples?: number;
  /** coverage of the interval (default 0.95: the 2.5 % and 97.5 % quantiles) */
  level?: number;
  /** RNG seed (default 0); the same seed and values give the same interval */
  seed?: number;
}

/** numpy.quantile's default ('linear') estimate of the q-quantile of ascending `sorted`. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  const low = sorted[below] as number;
  return low + (position - below) * ((sorted[above] as number) - low);
}

/**
 * The plain mean of `values` (NaN left out) and the quantiles (1 ± level)/2 of the means of
 * `resamples` resamples drawn with replacement, each as large as the sample.
 */
export function bootstrapMean(values: readonly number[], options: BootstrapOptions = {}): Estimate {
  const { resamples = 1000, level = 0.95, seed = 0 } = options;
  const sample = values.filter((v) => !Number.isNaN(v));
  const n = sample.length;
  if (n === 0) return { mean: NaN, ciLow: NaN, ciHigh: NaN, n: 0 };
  const mean = sample.reduce((s, v) => s + v, 0) / n;
  const random = rng(mixedSeed(seed));
  const means = new Array<number>(resamples);
  for (let r = 0; r < resamples; r += 1) {
    let sum = 0;
    for (let i = 0; i < n; i += 1) sum += sample[Math.floor(random() * n)] as number;
    means[r] = sum / n;
  }
  means.sort((x, y) => x - y);
  const tail = (1 - level) / 2;
  return { mean, ciLow: quantile(means, tail), ciHigh: quantile(means, 1 - tail), n };
}
