// Small cases whose values were worked out by hand from the definitions of icatcher-plus.md §11
// (the arithmetic is in the comments).
import {
  bootstrapMean,
  classificationMetrics,
  cohensKappa,
  compareCodings,
  compareInterval,
  icc31,
  kappaFromConfusion,
  quantile,
  summarizeComparisons,
} from '../src';

describe("Cohen's kappa", () => {
  it('is (po − pe) / (1 − pe) with the labels present', () => {
    // pairs (0,0)(0,1)(1,1)(1,1)(2,2)(2,0)(0,0)(1,2): po = 5/8; marginals 3,3,2 on both sides:
    // pe = (9 + 9 + 4) / 64 = 22/64; κ = (40/64 − 22/64) / (42/64) = 18/42 = 3/7
    expect(cohensKappa([0, 0, 1, 1, 2, 2, 0, 1], [0, 1, 1, 1, 2, 0, 0, 2])).toBeCloseTo(3 / 7, 14);
  });

  it('is NaN when both codings hold one identical class, and for no frames', () => {
    expect(cohensKappa([1, 1, 1], [1, 1, 1])).toBeNaN();
    expect(cohensKappa([], [])).toBeNaN();
  });

  it('is 0 when one coder uses a single class and the other two (no agreement beyond chance)', () => {
    // po = 1/2, pe = (1·1 + 1·0)/… : marginals a {1: 2}, b {1: 1, 2: 1} → pe = (2·1)/4 = 1/2 → κ = 0
    expect(cohensKappa([1, 1], [1, 2])).toBe(0);
  });

  it('from a confusion matrix is the same number, unused labels (zero rows and columns) changing nothing', () => {
    // the 3/7 case above as counts: rows a = 0, 1, 2; columns b
    const counts = [
      [2, 1, 0],
      [0, 2, 1],
      [1, 0, 1],
    ];
    expect(kappaFromConfusion(counts)).toBe(cohensKappa([0, 0, 1, 1, 2, 2, 0, 1], [0, 1, 1, 1, 2, 0, 0, 2]));
    const padded = [[0, 0, 0, 0], ...counts.map((row) => [0, ...row])];
    expect(kappaFromConfusion(padded)).toBe(kappaFromConfusion(counts));
    expect(kappaFromConfusion([[0, 0], [0, 0]])).toBeNaN();
    expect(kappaFromConfusion([[0, 0], [0, 3]])).toBeNaN();
  });
});

describe('one interval', () => {
  // frame:       0   1  2  3  4  5   6  7 | 8  9
  const human1 = [-3, 0, 1, 1, 2, 2, -3, 1];
  const other = [0, 0, 1, 2, 2, -1, 1, 1, 2, 2];

  it('uses only mutually valid frames for agreement, kappa, confusion, transitions, LT and PR', () => {
    const c = compareInterval(human1, other, [0, 8]);
    // mutually valid frames 1, 2, 3, 4, 7: human 1 [0 1 1 2 1], other [0 1 2 2 1]
    expect(c.mutuallyValidFrames).toBe(5);
    expect(c.percentAgreement).toBeCloseTo(4 / 5, 15);
    // po = 0.8; marginals h1 {0:1, 1:3, 2:1}, other {0:1, 1:2, 2:2}: pe = (1 + 6 + 2)/25 = 0.36 → κ = 0.44/0.64
    expect(c.cohensKappa).toBeCloseTo(0.6875, 14);
    expect(c.confusion).toEqual([
      [1, 0, 0],
      [0, 2, 1],
      [0, 0, 1],
    ]);
    expect(c.onOffConfusion).toEqual([
      [1, 0],
      [0, 4],
    ]);
    // [0 1 1 2 1]: 0→1, 1→2, 2→1; [0 1 2 2 1]: 0→1, 1→2, 2→1
    expect(c.transitions).toEqual([3, 3]);
    expect(c.lookingTime).toEqual([4, 4]);
    expect(c.proportionRight).toEqual([1 / 4, 2 / 4]);
    expect(c.counts).toEqual([
      { away: 1, left: 3, right: 2, nobabyface: 0, noface: 0, none: 2 },
      { away: 2, left: 3, right: 2, nobabyface: 1, noface: 0, none: 0 },
    ]);
  });

  it('pads a coding shorter than the interval with −3', () => {
    const c = compareInterval(human1, other, [6, 10]);
    // frames 6…9: human 1 [-3, 1, -3, -3], other [1, 1, 2, 2]: only frame 7 is mutually valid
    expect(c.mutuallyValidFrames).toBe(1);
    expect(c.percentAgreement).toBe(1);
    expect(c.counts[0].none).toBe(3);
    expect(c.cohensKappa).toBeNaN();
  });

  it('gives NaN agreement and proportion right when nothing is mutually valid or on screen', () => {
    const c = compareInterval([0, 0, -3], [0, -2, 1], [0, 3]);
    expect(c.percentAgreement).toBe(1);
    expect(c.proportionRight).toEqual([NaN, NaN]);
    expect(compareInterval([-3, -3], [1, 2], [0, 2]).percentAgreement).toBeNaN();
  });

  it('names a label that is no class id', () => {
    expect(() => compareInterval([0, 5], [0, 1], [0, 2])).toThrow('reference coding: frame 1 has label 5');
    expect(() => compareInterval([0, 1], [0, 1], [-1, 1])).toThrow('[-1, 1) is not a frame interval');
    expect(() => compareInterval([0, 1], [0, 1], [0, 1.5])).toThrow('[0, 1.5) is not a frame interval');
  });

  it("reads a reversed interval as iCatcher+ reads numpy's coding[2:1]: no frame", () => {
    const c = compareInterval([0, 1, 2], [0, 1, 2], [2, 1]);
    expect(c.mutuallyValidFrames).toBe(0);
    expect(c.lookingTime).toEqual([0, 0]);
    expect(c.percentAgreement).toBeNaN();
    expect(c.proportionRight).toEqual([NaN, NaN]);
  });
});

describe('ICC(3,1)', () => {
  it('follows the two-way ANOVA', () => {
    // grand mean 3.5; row means 1.5 2.5 4 4 5.5 → SS_rows = 2·9.5 = 19; column means 3, 4 → SS_cols = 2.5;
    // SS_total = 22.5 → SS_err = 1; MS_rows = 4.75, MS_err = 0.25 → (4.75 − 0.25) / (4.75 + 0.25) = 0.9
    expect(icc31([[1, 2], [2, 3], [3, 5], [4, 4], [5, 6]])).toBeCloseTo(0.9, 14);
  });

  it('drops targets with a NaN rating and needs 5 remaining', () => {
    const five = [[1, 2], [2, 3], [3, 5], [4, 4], [5, 6]];
    expect(icc31([...five, [NaN, 7]])).toBeCloseTo(0.9, 14);
    expect(icc31(five.slice(0, 4))).toBeNaN();
    expect(icc31([...five.slice(0, 4), [NaN, 1]])).toBeNaN();
  });

  it('is NaN when every rating is equal (0 / 0)', () => {
    expect(icc31(Array.from({ length: 6 }, () => [3, 3]))).toBeNaN();
  });
});

describe('a video: session and trials', () => {
  // Human 1 codes 10 frames in 5 trials of 2; human 2 disagrees on frame 5; the machine's coding ends at 12.
  const human1 = { labels: [1, 1, 2, 2, 0, 1, 1, 2, 2, 2], end: 10, trials: [[0, 2], [2, 4], [4, 6], [6, 8], [8, 10]] as const };
  const human2 = { labels: [1, 1, 2, 2, 0, 2, 1, 2, 2, 2], end: 10 };
  const machine = { labels: [-3, -3, -3, -3, 0, 1, 1, 1, 2, 2, -3, -3, -3, -3, -3, -3], end: 12 };

  it('compares the session [0, max(end1, end2)) and every human-1 trial', () => {
    const c = compareCodings(human1, machine);
    expect([c.session.start, c.session.end]).toEqual([0, 12]);
    expect(c.session.mutuallyValidFrames).toBe(6);
    expect(c.session.percentAgreement).toBeCloseTo(5 / 6, 15);
    expect(c.trials.map((t) => [t.start, t.end])).toEqual(human1.trials);
    expect(c.trials.map((t) => t.mutuallyValidFrames)).toEqual([0, 0, 2, 2, 2]);
    // LT per trial: [0,0] [0,0] [1,1] [2,2] [2,2] → 5 trials, but PR is NaN in the first three
    expect(c.trials.map((t) => t.lookingTime)).toEqual([[0, 0], [0, 0], [1, 1], [2, 2], [2, 2]]);
    expect(c.iccProportionRight).toBeNaN();
  });

  it('computes the ICCs over trials, human 1 vs human 2', () => {
    const c = compareCodings(human1, human2);
    // LT per trial: [2,2] [2,2] [1,1] [2,2] [2,2]: identical ratings, non-zero target variance → 1
    expect(c.iccLookingTime).toBeCloseTo(1, 14);
    // PR per trial: human 1 [0, 1, 0, 0.5, 1], human 2 [0, 1, 1, 0.5, 1]
    // grand 0.6; row means 0 1 .5 .5 1 → SS_rows = 2·(0.36+0.16+0.01+0.01+0.16) = 1.4; col means .5 .7 → SS_cols = 0.1
    // values 0 0 1 1 0 1 .5 .5 1 1 → SS_total = Σ(x − .6)² = 3·.36 + 5·.16 + 2·.01 = 1.9 → SS_err = 0.4
    // MS_rows = 0.35, MS_err = 0.1 → (0.35 − 0.1) / (0.35 + 0.1) = 5/9
    expect(c.iccProportionRight).toBeCloseTo(5 / 9, 14);
  });

  it('summarises over videos with pooled confusion and the share of invalid frames', () => {
    const comparisons = [compareCodings(human1, machine), compareCodings(human1, human2)];
    const s = summarizeComparisons(comparisons, { seed: 3 });
    expect(s.videos).toBe(2);
    expect(s.percentAgreement.mean).toBeCloseTo((5 / 6 + 9 / 10) / 2, 15);
    expect(s.percentAgreement.n).toBe(2);
    expect(s.iccProportionRight.n).toBe(1);
    expect(s.confusion.flat().reduce((a, b) => a + b, 0)).toBe(6 + 10);
    // machine: 6 of 12 session frames invalid; human 2: 0 of 10
    expect(s.invalidShare).toBeCloseTo(6 / 22, 15);
  });
});

describe('bootstrap', () => {
  it('takes the numpy linear quantile', () => {
    // position 0.025 · 3 = 0.075 → 1 + 0.075 · (2 − 1)
    expect(quantile([1, 2, 3, 4], 0.025)).toBeCloseTo(1.075, 15);
    expect(quantile([7], 0.5)).toBe(7);
  });

  it('reports the plain mean, ignores NaN, and is reproducible for a seed', () => {
    const values = [0.9, 0.8, NaN, 0.85, 0.95, 0.7];
    const a = bootstrapMean(values, { seed: 11 });
    expect(a.mean).toBeCloseTo(0.84, 15);
    expect(a.n).toBe(5);
    expect(a).toEqual(bootstrapMean(values, { seed: 11 }));
    expect(a.ciLow).toBeLessThan(a.mean);
    expect(a.ciHigh).toBeGreaterThan(a.mean);
    expect(a.ciLow).toBeGreaterThanOrEqual(0.7);
    expect(a.ciHigh).toBeLessThanOrEqual(0.95);
    // Another seed, other resamples: seen on a sample whose resampled means are not few and tied.
    const spread = Array.from({ length: 40 }, (_, i) => ((i * 37) % 101) / 100);
    expect(bootstrapMean(spread, { seed: 12 })).not.toEqual(bootstrapMean(spread, { seed: 11 }));
  });

  it('collapses to the value for a constant sample and is NaN for none', () => {
    expect(bootstrapMean([0.5, 0.5, 0.5])).toEqual({ mean: 0.5, ciLow: 0.5, ciHigh: 0.5, n: 3 });
    expect(bootstrapMean([NaN])).toEqual({ mean: NaN, ciLow: NaN, ciHigh: NaN, n: 0 });
  });

  it('covers about mean ± 1.96 SE on a large sample', () => {
    // 400 values 0…399: SE = sd / √n ≈ 115.6 / 20 = 5.78, so the 95 % CI is ≈ 199.5 ± 11.3
    const values = Array.from({ length: 400 }, (_, i) => i);
    const e = bootstrapMean(values, { seed: 5 });
    expect(e.ciHigh - e.ciLow).toBeGreaterThan(2 * 11.3 * 0.85);
    expect(e.ciHigh - e.ciLow).toBeLessThan(2 * 11.3 * 1.15);
  });
});

describe('window classification metrics', () => {
  it('gives accuracy, per-class precision / recall / F1 and the confusion matrix', () => {
    // truth 0 1 2 2 2 1, predicted 0 2 2 2 1 1
    const m = classificationMetrics([0, 1, 2, 2, 2, 1], [0, 2, 2, 2, 1, 1]);
    expect(m.samples).toBe(6);
    expect(m.accuracy).toBeCloseTo(4 / 6, 15);
    expect(m.confusion).toEqual([
      [1, 0, 0],
      [0, 1, 1],
      [0, 1, 2],
    ]);
    // left: precision 1/2, recall 1/2; right: precision 2/3, recall 2/3
    expect(m.perClass[1]).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5, support: 2 });
    expect(m.perClass[2]?.precision).toBeCloseTo(2 / 3, 15);
    expect(m.perClass[2]?.f1).toBeCloseTo(2 / 3, 15);
    expect(m.macro.recall).toBeCloseTo((1 + 0.5 + 2 / 3) / 3, 15);
  });

  it('gives 0 precision for a class never predicted, and names bad input', () => {
    expect(classificationMetrics([0, 1], [0, 0]).perClass[1]).toEqual({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(() => classificationMetrics([0, 3], [0, 0])).toThrow('truth[1] = 3 is not a class id');
    expect(() => classificationMetrics([0], [0, 0])).toThrow('1 true labels but 2 predictions');
  });
});
