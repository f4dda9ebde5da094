// The training section: loss, accuracy, learning rate and throughput per epoch (per logged step
// behind them), and the validation confusion matrix of the best epoch.
import { GAZE_CLASSES } from '@gazecoder/formats';

import { COLORS } from '../colors';
import { escapeHtml, formatPercent } from '../html';
import type { EpochRecord, StepRecord, TrainingHistory } from '../report-data';
import { confusionHeatmap } from '../svg/heatmap';
import { lineChart, type LineSeries } from '../svg/line-chart';

type EpochField = 'trainLoss' | 'valLoss' | 'trainAccuracy' | 'valAccuracy' | 'lr' | 'samplesPerSecond';

function epochSeries(epochs: readonly EpochRecord[], field: EpochField, name: string, color: string): LineSeries {
  return { name, color, markers: true, points: epochs.flatMap((e) => (e[field] === undefined ? [] : [[e.epoch, e[field] as number] as const])) };
}

/**
 * Where step `s` sits on the epoch axis: epoch e spans the steps (end of e − 1, end of e], so s lands at
 * e − 1 + its share of that span. Past the last epoch the last span length is assumed.
 */
function epochPosition(step: number, epochs: readonly EpochRecord[]): number | undefined {
  let previous = 0;
  let span: number | undefined;
  for (const e of epochs) {
    if (e.step === undefined) return undefined;
    span = e.step - previous;
    if (step <= e.step && span > 0) return e.epoch - 1 + (step - previous) / span;
    previous = e.step;
  }
  const last = epochs[epochs.length - 1];
  return last && span && span > 0 ? last.epoch + (step - previous) / span : undefined;
}

function stepSeries(steps: readonly StepRecord[], epochs: readonly EpochRecord[], value: (s: StepRecord) => number | undefined, name: string): LineSeries {
  const points = steps.flatMap((s) => {
    const x = epochPosition(s.step, epochs);
    const v = value(s);
    return x === undefined || v === undefined ? [] : [[x, v] as const];
  });
  return { name, color: COLORS.grey, faint: true, points };
}

/** The HTML of the training section. */
export function trainingSection(history: TrainingHistory): string {
  const { epochs, steps } = history;
  const best = epochs.reduce<EpochRecord | undefined>((b, e) => (e.valAccuracy !== undefined && (b?.valAccuracy === undefined || e.valAccuracy > b.valAccuracy) ? e : b), undefined);
  const charts = [
    lineChart({
      title: 'Loss',
      xLabel: 'epoch',
      yLabel: 'cross-entropy',
      includeZero: true,
      series: [stepSeries(steps, epochs, (s) => s.loss, 'step loss'), epochSeries(epochs, 'trainLoss', 'train', COLORS.blue), epochSeries(epochs, 'valLoss', 'validation', COLORS.orange)],
    }),
    lineChart({
      title: 'Accuracy',
      xLabel: 'epoch',
      yLabel: 'window accuracy',
      series: [epochSeries(epochs, 'trainAccuracy', 'train', COLORS.blue), epochSeries(epochs, 'valAccuracy', 'validation', COLORS.orange)],
    }),
    lineChart({
      title: 'Learning rate',
      xLabel: 'epoch',
      yLabel: 'learning rate',
      logY: true,
      series: [stepSeries(steps, epochs, (s) => s.lr, 'step'), epochSeries(epochs, 'lr', 'after epoch', COLORS.green)],
    }),
    lineChart({
      title: 'Throughput',
      xLabel: 'epoch',
      yLabel: 'samples / s',
      includeZero: true,
      series: [stepSeries(steps, epochs, (s) => s.samplesPerSecond, 'step'), epochSeries(epochs, 'samplesPerSecond', 'epoch mean', COLORS.purple)],
    }),
  ].filter((c) => c !== '');
  const confusion = best?.valConfusion ?? epochs[epochs.length - 1]?.valConfusion;
  const heatmap = confusion
    ? confusionHeatmap({
        title: `Validation confusion, epoch ${(best?.valConfusion ? best : epochs[epochs.length - 1])?.epoch}`,
        counts: confusion,
        rowLabels: GAZE_CLASSES,
        columnLabels: GAZE_CLASSES,
        rowTitle: 'true',
        columnTitle: 'predicted',
      })
    : '';
  const summary =
    epochs.length === 0
      ? '<p class="note">No epoch has completed yet.</p>'
      : `<p>${epochs.length} epoch${epochs.length === 1 ? '' : 's'}${steps.length ? `, ${steps.length} logged steps` : ''}.${best ? ` Best validation accuracy ${formatPercent(best.valAccuracy)} at epoch ${best.epoch}.` : ''}</p>`;
  return `<section id="training"><h2>Training</h2><p class="source">${escapeHtml(history.source)}</p>${summary}<div class="charts">${charts.join('\n')}${heatmap}</div></section>`;
}
