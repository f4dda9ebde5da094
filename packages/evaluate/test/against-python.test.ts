// The metrics against independent values on random data generated here: scikit-learn's
// cohen_kappa_score, confusion_matrix and precision_recall_fscore_support, an ICC(3,1) built from a
// pandas ANOVA table, numpy's quantile, and a numpy transcription of iCatcher+'s get_stats_in_interval
// (test/python/metrics_reference.py, run with Debian's /usr/bin/python3).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { classificationMetrics, cohensKappa, compareCodings, compareInterval, confusionMatrix, icc31, quantile, type IntervalComparison } from '../src';
import { rng } from '@gazecoder/formats';

const random = rng(2024);
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
const uniform = (): number => int(1_000_000) / 1_000_000;

/** A gaze coding: runs of labels drawn from `ids`, as looks last several frames. */
function coding(length: number, ids: readonly number[]): number[] {
  const out: number[] = [];
  while (out.length < length) {
    const label = pick(ids);
    const run = 1 + int(12);
    for (let i = 0; i < run && out.length < length; i += 1) out.push(label);
  }
  return out;
}

/** `base` with each frame replaced by a random label from `ids` with probability `noise`. */
function perturb(base: readonly number[], ids: readonly number[], noise: number): number[] {
  return base.map((l) => (uniform() < noise ? pick(ids) : l));
}

const LABEL_SETS = [[0, 1, 2], [1, 2], [0, 1], [2], [-3, 0, 1, 2]] as const;
const kappaCases = Array.from({ length: 80 }, (_, i) => {
  const n = 1 + int(300);
  const ids = LABEL_SETS[i % LABEL_SETS.length] as readonly number[];
  const a = coding(n, ids);
  return { a, b: perturb(a, pick(LABEL_SETS), uniform()) };
});
kappaCases.push({ a: [1, 1, 1], b: [1, 1, 1] }, { a: [0, 0, 0, 0], b: [0, 2, 0, 2] });

const confusionCases = Array.from({ length: 20 }, () => {
  const a = coding(1 + int(200), [-1, 0, 1, 2]);
  return { a, b: perturb(a, [0, 1, 2, 3], 0.4), labels: pick([[0, 1, 2], [0, 1], [2, 0, 1]]) };
});

const classificationCases = Array.from({ length: 40 }, (_, i) => {
  const truth = coding(1 + int(400), i % 5 === 0 ? [0, 2] : [0, 1, 2]);
  return { truth, predicted: perturb(truth, i % 7 === 0 ? [0, 1] : [0, 1, 2], uniform()) };
});

const iccCases = Array.from({ length: 40 }, (_, i) => {
  const n = 5 + int(30);
  const k = i % 4 === 0 ? 3 : 2;
  return Array.from({ length: n }, () => {
    const truth = i % 2 === 0 ? int(200) : uniform();
    return Array.from({ length: k }, () => (i % 2 === 0 ? truth + int(40) - 20 : truth + (uniform() - 0.5) * uniform()));
  });
});

const quantileCases = Array.from({ length: 20 }, () => ({
  values: Array.from({ length: 1 + int(50) }, uniform).sort((x, y) => x - y),
  q: pick([0.025, 0.975, 0.5, uniform()]),
}));

const intervalCases = Array.from({ length: 60 }, () => {
  const length = 20 + int(400);
  const reference = coding(length, [-3, 0, 1, 2, 1, 2]);
  const other = perturb(coding(length + int(40) - 20, [-3, -2, -1, 0, 1, 2]), [0, 1, 2], 0.2);
  const start = int(length);
  return { reference, other, start, end: start + int(length + 30 - start) };
});
// Reversed and empty intervals, as real Lookit exports' trials can be ([496, 495)): numpy's coding[a:b]
// with b < a is empty.
intervalCases.push(
  { ...intervalCases[0]!, start: 12, end: 3 },
  { ...intervalCases[1]!, start: 7, end: 7 },
  { ...intervalCases[2]!, start: 0, end: 0 },
);

// Whole videos: human 1 with trials, the other coding of another length (a machine's with −1/−2).
const codingCases = Array.from({ length: 25 }, (_, i) => {
  const trialCount = 3 + int(8);
  const trials: Array<[number, number]> = [];
  let t = int(20);
  for (let k = 0; k < trialCount; k += 1) {
    const next = t + 15 + int(60);
    trials.push([t, next]);
    t = next;
  }
  const reference = coding(t, i % 3 === 0 ? [0, 1, 2] : [-3, 0, 1, 2, 1, 2]);
  const otherEnd = t + int(60) - 30;
  const other = perturb(reference, [-2, -1, 0, 1, 2], 0.1 + 0.3 * uniform()).concat(coding(Math.max(0, otherEnd + 4 - t), [0, 1, 2]));
  return { reference, referenceEnd: t, trials, other, otherEnd };
});

type IntervalReference = Record<keyof Omit<IntervalComparison, 'start' | 'end' | 'counts'>, unknown>;

interface Reference {
  kappa: Array<number | null>;
  confusion: number[][][];
  classification: Array<{ accuracy: number; precision: number[]; recall: number[]; f1: number[]; support: number[]; kappa: number | null }>;
  icc: Array<number | null>;
  quantiles: number[];
  intervals: IntervalReference[];
  codings: Array<{ session: IntervalReference; trials: IntervalReference[]; iccLookingTime: number | null; iccProportionRight: number | null }>;
}

function expectSameInterval(ours: IntervalComparison, theirs: IntervalReference, context: string): void {
  expect(ours.mutuallyValidFrames).toBe(theirs.mutuallyValidFrames);
  expectClose(ours.percentAgreement, theirs.percentAgreement as number | null, `${context} agreement`);
  expectClose(ours.cohensKappa, theirs.cohensKappa as number | null, `${context} kappa`);
  expect(ours.confusion).toEqual(theirs.confusion);
  expect(ours.onOffConfusion).toEqual(theirs.onOffConfusion);
  expect(ours.transitions).toEqual(theirs.transitions);
  expect(ours.lookingTime).toEqual(theirs.lookingTime);
  const pr = theirs.proportionRight as Array<number | null>;
  ours.proportionRight.forEach((v, c) => expectClose(v, pr[c] ?? null, `${context} PR ${c}`));
}

function pythonReference(): Reference {
  const request = { kappa: kappaCases, confusion: confusionCases, classification: classificationCases, icc: iccCases, quantiles: quantileCases, intervals: intervalCases, codings: codingCases };
  const run = spawnSync('/usr/bin/python3', [join(__dirname, 'python', 'metrics_reference.py')], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status !== 0) throw new Error(`metrics_reference.py failed (needs python3-sklearn, python3-pandas; scripts/setup.sh installs them):\n${run.stderr}`);
  return JSON.parse(run.stdout) as Reference;
}

/** |actual − expected| ≤ 1e-12 (relative above 1); Python's None (its JSON for NaN) must meet NaN. */
function expectClose(actual: number, expected: number | null, context: string): void {
  if (expected === null || Number.isNaN(expected)) {
    if (!Number.isNaN(actual)) throw new Error(`${context}: expected NaN, got ${actual}`);
    return;
  }
  if (!(Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)))) throw new Error(`${context}: expected ${expected}, got ${actual}`);
}

describe('against scikit-learn, numpy and pandas on random data', () => {
  const reference = pythonReference();

  it("Cohen's kappa equals sklearn's cohen_kappa_score", () => {
    const nanCases = reference.kappa.filter((k) => k === null).length;
    expect(nanCases).toBeGreaterThanOrEqual(2); // the degenerate cases are among them
    kappaCases.forEach(({ a, b }, i) => expectClose(cohensKappa(a, b), reference.kappa[i] ?? null, `kappa case ${i}`));
  });

  it("confusion matrices equal sklearn's confusion_matrix", () => {
    confusionCases.forEach(({ a, b, labels }, i) => expect(confusionMatrix(a, b, labels)).toEqual(reference.confusion[i]));
  });

  it("window metrics equal sklearn's accuracy, precision_recall_fscore_support and kappa", () => {
    classificationCases.forEach(({ truth, predicted }, i) => {
      const ours = classificationMetrics(truth, predicted);
      const theirs = reference.classification[i]!;
      expectClose(ours.accuracy, theirs.accuracy, `accuracy ${i}`);
      expectClose(ours.cohensKappa, theirs.kappa, `kappa ${i}`);
      ours.perClass.forEach((m, c) => {
        expectClose(m.precision, theirs.precision[c]!, `precision ${i}/${c}`);
        expectClose(m.recall, theirs.recall[c]!, `recall ${i}/${c}`);
        expectClose(m.f1, theirs.f1[c]!, `f1 ${i}/${c}`);
        expect(m.support).toBe(theirs.support[c]);
      });
    });
  });

  it('ICC(3,1) equals the ANOVA-table formula', () => {
    iccCases.forEach((ratings, i) => expectClose(icc31(ratings), reference.icc[i] ?? null, `icc case ${i}`));
  });

  it("quantiles equal numpy's", () => {
    quantileCases.forEach(({ values, q }, i) => expectClose(quantile(values, q), reference.quantiles[i]!, `quantile ${i}`));
  });

  it("interval comparisons equal a numpy transcription of iCatcher+'s get_stats_in_interval", () => {
    intervalCases.forEach(({ reference: h1, other, start, end }, i) => expectSameInterval(compareInterval(h1, other, [start, end]), reference.intervals[i]!, `interval ${i}`));
    // the random cases reach the edges: empty overlaps and intervals past the codings
    expect(intervalCases.some(({ reference: h1, end }) => end > h1.length)).toBe(true);
    expect(reference.intervals.some((r) => r.percentAgreement === null)).toBe(true);
    expect(intervalCases.some(({ start, end }) => end < start)).toBe(true);
  });

  it("videos (session, human-1 trials, ICCs) equal a transcription of iCatcher+'s compare_coding_files", () => {
    codingCases.forEach((c, i) => {
      const ours = compareCodings({ labels: c.reference, end: c.referenceEnd, trials: c.trials }, { labels: c.other, end: c.otherEnd });
      const theirs = reference.codings[i]!;
      expect([ours.session.start, ours.session.end]).toEqual([0, Math.max(c.referenceEnd, c.otherEnd)]);
      expectSameInterval(ours.session, theirs.session, `video ${i} session`);
      expect(ours.trials).toHaveLength(theirs.trials.length);
      ours.trials.forEach((t, k) => expectSameInterval(t, theirs.trials[k]!, `video ${i} trial ${k}`));
      expectClose(ours.iccLookingTime, theirs.iccLookingTime, `video ${i} ICC LT`);
      expectClose(ours.iccProportionRight, theirs.iccProportionRight, `video ${i} ICC PR`);
    });
    // some videos have too few usable trials for an ICC, most have enough
    const defined = reference.codings.filter((c) => c.iccLookingTime !== null).length;
    expect(defined).toBeGreaterThan(codingCases.length / 2);
    expect(defined).toBeLessThan(codingCases.length);
  });
});
