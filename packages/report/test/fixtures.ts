// Report inputs built the way gazecoder builds them: a metrics.jsonl with the trainer's line format
// (native/core/src/train/metrics_log.cpp) and metrics computed by @gazecoder/evaluate on synthetic codings.
import { classificationMetrics, compareCodings, summarizeComparisons } from '@gazecoder/evaluate';

import { seededLabels } from './synthetic';
import type { AgreementReport, ClassificationReport } from '../src';

/** metrics.jsonl text of a run: `epochs` epochs of `stepsPerEpoch` steps, a step line every `logEvery`. */
export function metricsJsonl(epochs: number, stepsPerEpoch: number, logEvery: number): string {
  const lines: string[] = [];
  let step = 0;
  let lr = 1e-3;
  for (let e = 1; e <= epochs; e += 1) {
    for (let s = 0; s < stepsPerEpoch; s += 1) {
      step += 1;
      if (step % logEvery === 0) {
        lines.push(JSON.stringify({ type: 'step', epoch: e, step, batch: s + 1, loss: 1.1 / Math.sqrt(step) + 0.05 * Math.sin(step), lr, samplesPerSecond: 180 + 20 * Math.cos(step / 7) }));
      }
    }
    const valAccuracy = 0.4 + 0.5 * (1 - Math.exp(-e / 3));
    const isBest = true;
    if (e % 4 === 0) lr /= 10;
    lines.push(
      JSON.stringify({
        type: 'epoch', epoch: e, step, trainLoss: 1.05 / Math.sqrt(e), trainAccuracy: valAccuracy + 0.04, valLoss: 1.1 / Math.sqrt(e) + 0.05, valAccuracy,
        valClassAccuracy: [valAccuracy, valAccuracy, valAccuracy], valConfusion: [[50 + e, 5, 3], [6, 40 + 2 * e, 4], [2, 7, 45 + e]],
        lr, isBest, bestEpoch: e, bestValAccuracy: valAccuracy, trainSeconds: 30, valSeconds: 5, samplesPerSecond: 190 + e,
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** An agreement report over `videos` synthetic videos, human 2 close to human 1, the machine noisier. */
export function agreementReport(videos: number): AgreementReport {
  const rows = Array.from({ length: videos }, (_, v) => {
    const human1 = seededLabels(v, 600, 0);
    const trials = Array.from({ length: 8 }, (_, t) => [t * 70, (t + 1) * 70] as const);
    const reference = { labels: human1, end: 560, trials };
    const humanHuman = compareCodings(reference, { labels: seededLabels(v, 600, 0.05, human1), end: 560 });
    const machine = seededLabels(v, 600, 0.1 + 0.02 * v, human1).map((l, f) => (f < 4 || f >= 596 ? -3 : l));
    const humanMachine = compareCodings(reference, { labels: machine, end: 596 });
    return { id: `video-${String(v + 1).padStart(2, '0')}`, humanHuman, humanMachine };
  });
  const scores = (c: ReturnType<typeof compareCodings>) => ({ percentAgreement: c.session.percentAgreement, cohensKappa: c.session.cohensKappa, iccLookingTime: c.iccLookingTime, iccProportionRight: c.iccProportionRight });
  return {
    videos: rows.map((r) => ({ id: r.id, humanHuman: scores(r.humanHuman), humanMachine: scores(r.humanMachine) })),
    humanHuman: summarizeComparisons(rows.map((r) => r.humanHuman)),
    humanMachine: summarizeComparisons(rows.map((r) => r.humanMachine)),
  };
}

/** Window results of a classifier that is right about 80 % of the time. */
export function classificationReport(): ClassificationReport {
  const truth = seededLabels(99, 3000, 0).filter((l) => l >= 0);
  const predicted = seededLabels(99, 3000, 0.2, truth).slice(0, truth.length).map((l) => (l < 0 ? 0 : l));
  return { label: 'test split of a synthetic dataset', metrics: classificationMetrics(truth, predicted) };
}
