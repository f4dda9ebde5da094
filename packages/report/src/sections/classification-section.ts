// The classification section (`gazecoder test`): window accuracy, κ, per-class precision / recall / F1
// and the confusion matrix.
import { GAZE_CLASSES } from '@gazecoder/formats';

import { COLORS } from '../colors';
import { escapeHtml, formatNumber, formatPercent } from '../html';
import type { ClassificationReport } from '../report-data';
import { barChart } from '../svg/bar-chart';
import { confusionHeatmap } from '../svg/heatmap';

/** The HTML of the classification section. */
export function classificationSection({ label, metrics }: ClassificationReport): string {
  const names = metrics.perClass.map((_, c) => GAZE_CLASSES[c] ?? `class ${c}`);
  const headline = `<table class="summary"><tbody>
<tr><th>windows</th><td>${metrics.samples}</td></tr>
<tr><th>accuracy</th><td>${formatPercent(metrics.accuracy)}</td></tr>
<tr><th>Cohen's κ</th><td>${formatNumber(metrics.cohensKappa)}</td></tr>
<tr><th>macro F1</th><td>${formatNumber(metrics.macro.f1)}</td></tr>
</tbody></table>`;
  const perClassRows = metrics.perClass.map((m, c) => `<tr><th>${escapeHtml(names[c] as string)}</th><td>${formatNumber(m.precision)}</td><td>${formatNumber(m.recall)}</td><td>${formatNumber(m.f1)}</td><td>${m.support}</td></tr>`);
  const perClass = `<table class="per-class"><thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>windows</th></tr></thead><tbody>${perClassRows.join('')}</tbody></table>`;
  const bars = barChart({
    title: 'Per-class metrics',
    yLabel: 'value',
    yRange: [0, 1],
    series: [
      { name: 'precision', color: COLORS.blue },
      { name: 'recall', color: COLORS.orange },
      { name: 'F1', color: COLORS.green },
    ],
    groups: metrics.perClass.map((m, c) => ({ label: names[c] as string, bars: [{ value: m.precision }, { value: m.recall }, { value: m.f1 }] })),
  });
  const heatmap = confusionHeatmap({ title: 'Confusion (windows)', counts: metrics.confusion, rowLabels: names, columnLabels: names, rowTitle: 'true', columnTitle: 'predicted' });
  return `<section id="classification"><h2>Classification</h2><p class="source">${escapeHtml(label)}</p><div class="tables">${headline}${perClass}</div><div class="charts">${bars}${heatmap}</div></section>`;
}
