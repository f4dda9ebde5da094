// The report page: one self-contained HTML document (inline CSS and SVG, no scripts, nothing fetched).
import { escapeHtml } from './html';
import type { ReportData } from './report-data';
import { agreementSection } from './sections/agreement-section';
import { classificationSection } from './sections/classification-section';
import { trainingSection } from './sections/training-section';

const STYLE = `
:root { color-scheme: light; --ink: #1b1f24; --muted: #5b6370; --rule: #d8dde3; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #fbfcfd; }
header, main { max-width: 1220px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; border-bottom: 1px solid var(--rule); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
nav a { margin-right: 16px; color: #0869a4; }
.subtitle, .source, .note { color: var(--muted); margin: 4px 0 12px; }
.source { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.tables { display: flex; flex-wrap: wrap; gap: 32px; align-items: flex-start; }
svg.chart { background: #fff; border: 1px solid var(--rule); border-radius: 6px; }
svg .chart-title { font-weight: 600; font-size: 13px; fill: var(--ink); }
svg .tick, svg .legend { font-size: 11px; fill: var(--muted); }
svg .axis-label { font-size: 12px; fill: var(--muted); }
svg .grid { stroke: #eef1f4; }
svg .axis { stroke: #9aa3ad; }
svg .series { stroke-width: 2; }
svg .series.faint { stroke-width: 1; stroke-opacity: 0.45; }
svg .whisker { stroke: var(--ink); stroke-width: 1.2; fill: none; }
svg .mean-line { stroke-width: 1.5; fill: none; }
svg .cell-share { font-size: 13px; font-weight: 600; }
svg .cell-count { font-size: 11px; }
table { border-collapse: collapse; margin: 8px 0; background: #fff; }
th, td { border-bottom: 1px solid var(--rule); padding: 4px 10px; text-align: right; white-space: nowrap; }
th:first-child { text-align: left; }
thead th { font-weight: 600; border-bottom: 2px solid var(--rule); }
thead th.group { text-align: center; border-bottom: 1px solid var(--rule); }
.ci, .n { color: var(--muted); font-size: 12px; }
.scroll { overflow-x: auto; max-height: 480px; }
footer { max-width: 1220px; margin: 32px auto; padding: 0 24px; color: var(--muted); font-size: 12px; }
`;

/** Renders the report as one HTML document; sections without data are left out. */
export function renderReport(data: ReportData): string {
  const sections: Array<[id: string, title: string, html: string]> = [];
  if (data.training) sections.push(['training', 'Training', trainingSection(data.training)]);
  if (data.classification) sections.push(['classification', 'Classification', classificationSection(data.classification)]);
  if (data.agreement) sections.push(['agreement', 'Agreement', agreementSection(data.agreement)]);
  const nav = sections.length > 1 ? `<nav>${sections.map(([id, title]) => `<a href="#${id}">${title}</a>`).join('')}</nav>` : '';
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(data.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>${escapeHtml(data.title)}</h1>${data.subtitle ? `<p class="subtitle">${escapeHtml(data.subtitle)}</p>` : ''}${nav}</header>
<main>
${sections.length ? sections.map(([, , html]) => html).join('\n') : '<p class="note">Nothing to report.</p>'}
</main>
<footer>gazecoder report</footer>
</body>
</html>
`;
}
