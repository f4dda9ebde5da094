// The agreement section (`gazecoder eval`): human–human and human–machine reliability over videos with
// bootstrap CIs, per video, and the pooled confusion matrices.
import type { ComparisonSummary, Estimate } from '@gazecoder/evaluate';
import { GAZE_CLASSES } from '@gazecoder/formats';

import { COLORS } from '../colors';
import { escapeHtml, formatNumber, formatPercent } from '../html';
import type { AgreementReport, VideoScores } from '../report-data';
import { barChart } from '../svg/bar-chart';
import { dotChart } from '../svg/dot-chart';
import { confusionHeatmap } from '../svg/heatmap';

const METRICS: ReadonlyArray<{ key: keyof VideoScores; label: string }> = [
  { key: 'percentAgreement', label: 'agreement' },
  { key: 'cohensKappa', label: "Cohen's κ" },
  { key: 'iccLookingTime', label: 'ICC looking time' },
  { key: 'iccProportionRight', label: 'ICC prop. right' },
];

const COMPARISONS = [
  { key: 'humanHuman', name: 'human 1 – human 2', other: 'human 2', color: COLORS.blue },
  { key: 'humanMachine', name: 'human 1 – machine', other: 'machine', color: COLORS.orange },
] as const;

function estimateCell(e: Estimate): string {
  return Number.isFinite(e.mean) ? `${formatNumber(e.mean)} <span class="ci">[${formatNumber(e.ciLow)}, ${formatNumber(e.ciHigh)}]</span> <span class="n">n=${e.n}</span>` : '–';
}

function summaryTable(present: ReadonlyArray<(typeof COMPARISONS)[number] & { summary: ComparisonSummary }>): string {
  const head = `<tr><th></th>${present.map((c) => `<th>${escapeHtml(c.name)}</th>`).join('')}</tr>`;
  const rows = METRICS.map((m) => `<tr><th>${escapeHtml(m.label)}</th>${present.map((c) => `<td>${estimateCell(c.summary[m.key])}</td>`).join('')}</tr>`);
  rows.push(`<tr><th>videos</th>${present.map((c) => `<td>${c.summary.videos}</td>`).join('')}</tr>`);
  rows.push(`<tr><th>frames without a label</th>${present.map((c) => `<td>${formatPercent(c.summary.invalidShare)}</td>`).join('')}</tr>`);
  return `<table class="summary"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table><p class="note">Means over videos (NaN values left out) with 95 % bootstrap intervals (1000 resamples); agreement and κ on each session's mutually valid frames, ICCs over human 1's trials.</p>`;
}

function videoTable(report: AgreementReport, present: ReadonlyArray<(typeof COMPARISONS)[number]>): string {
  const groups = `<tr><th></th>${present.map((c) => `<th class="group" colspan="${METRICS.length}">${escapeHtml(`human 1 – ${c.other}`)}</th>`).join('')}</tr>`;
  const head = `<tr><th>video</th>${present.map(() => METRICS.map((m) => `<th>${escapeHtml(m.label)}</th>`).join('')).join('')}</tr>`;
  const rows = report.videos.map((v) => {
    const cells = present.map((c) => METRICS.map((m) => `<td>${formatNumber(v[c.key]?.[m.key])}</td>`).join('')).join('');
    return `<tr><th>${escapeHtml(v.id)}</th>${cells}</tr>`;
  });
  return `<div class="scroll"><table class="videos"><thead>${groups}${head}</thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** The HTML of the agreement section. */
export function agreementSection(report: AgreementReport): string {
  const present = COMPARISONS.flatMap((c) => {
    const summary = report[c.key];
    return summary ? [{ ...c, summary }] : [];
  });
  const bars = barChart({
    title: 'Reliability over videos (mean, 95 % CI)',
    yLabel: 'value',
    yRange: [0, 1],
    series: present.map((c) => ({ name: c.name, color: c.color })),
    groups: METRICS.map((m) => ({ label: m.label, bars: present.map((c) => ({ value: c.summary[m.key].mean, low: c.summary[m.key].ciLow, high: c.summary[m.key].ciHigh })) })),
  });
  // Videos sorted by human–machine agreement (else human–human), lowest first, as iCatcher+ plots them.
  const sortKey = present[present.length - 1]?.key;
  const videos = [...report.videos].sort((a, b) => (sortKey ? (a[sortKey]?.percentAgreement ?? -1) - (b[sortKey]?.percentAgreement ?? -1) : 0));
  const perVideo = (metric: keyof VideoScores, title: string) => {
    const series = present.map((c) => ({
      name: c.name,
      color: c.color,
      values: videos.map((v) => v[c.key]?.[metric] ?? NaN),
      band: { mean: c.summary[metric].mean, low: c.summary[metric].ciLow, high: c.summary[metric].ciHigh },
    }));
    // The axis spans the data (and the bands), so close values stay apart.
    const shown = series.flatMap((s) => [...s.values, s.band.low, s.band.high]).filter(Number.isFinite);
    const yRange: [number, number] | undefined = shown.length ? [Math.min(...shown), Math.max(...shown)] : undefined;
    return dotChart({ title, yLabel: metric === 'percentAgreement' ? 'agreement' : 'κ', yRange, categories: videos.map((v) => v.id), series });
  };
  const heatmaps = present.flatMap((c) => [
    confusionHeatmap({ title: `${c.name}, frames`, counts: c.summary.confusion, rowLabels: GAZE_CLASSES, columnLabels: GAZE_CLASSES, rowTitle: 'human 1', columnTitle: c.other }),
    confusionHeatmap({ title: `${c.name}, on / off`, counts: c.summary.onOffConfusion, rowLabels: ['off', 'on'], columnLabels: ['off', 'on'], rowTitle: 'human 1', columnTitle: c.other }),
  ]);
  return [
    '<section id="agreement"><h2>Agreement</h2>',
    summaryTable(present),
    `<div class="charts">${bars}${perVideo('percentAgreement', 'Percent agreement per video')}${perVideo('cohensKappa', "Cohen's κ per video")}</div>`,
    '<h3>Confusion over all sessions</h3><p class="note">Mutually valid frames pooled over videos; each row (human 1\'s class) sums to 100 %.</p>',
    `<div class="charts">${heatmaps.join('\n')}</div>`,
    '<h3>Per video</h3>',
    videoTable(report, present),
    '</section>',
  ].join('\n');
}
