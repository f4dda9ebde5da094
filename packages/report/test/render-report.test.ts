// The HTML document: sections only for the data given, escaped text, no reference to anything outside
// the file, NaN shown as a dash, JSON with NaN as null, atomic writes.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseTrainingMetrics, renderReport, toJson, writeJsonFile, writeReport } from '../src';
import { agreementReport, classificationReport, metricsJsonl } from './fixtures';

const count = (html: string, pattern: RegExp): number => (html.match(pattern) ?? []).length;

describe('renderReport', () => {
  it('shows only the sections whose data is given', () => {
    const training = renderReport({ title: 'run', training: parseTrainingMetrics(metricsJsonl(4, 20, 5)) });
    expect(training).toContain('id="training"');
    expect(training).not.toContain('id="agreement"');
    expect(training).not.toContain('id="classification"');
    // loss, accuracy, learning rate, throughput + the validation confusion heat map
    expect(count(training, /<svg class="chart line-chart"/g)).toBe(4);
    expect(count(training, /<svg class="chart heatmap"/g)).toBe(1);

    const evaluation = renderReport({ title: 'eval', agreement: agreementReport(6) });
    expect(evaluation).toContain('id="agreement"');
    expect(evaluation).not.toContain('id="training"');
    // summary bars + 2 per-video charts; frames and on/off heat maps per comparison
    expect(count(evaluation, /<svg class="chart (bar|dot)-chart"/g)).toBe(3);
    expect(count(evaluation, /<svg class="chart heatmap"/g)).toBe(4);
    expect(count(evaluation, /<tr><th>video-\d\d<\/th>/g)).toBe(6);

    const empty = renderReport({ title: 'nothing' });
    expect(empty).toContain('Nothing to report.');
    expect(count(empty, /<svg/g)).toBe(0);
  });

  it('draws one bar per class and metric and a whisker per summary value', () => {
    const html = renderReport({ title: 'all', training: parseTrainingMetrics(metricsJsonl(2, 4, 2)), agreement: agreementReport(5), classification: classificationReport() });
    const classification = html.slice(html.indexOf('id="classification"'), html.indexOf('id="agreement"'));
    expect(count(classification, /<rect class="bar"/g)).toBe(9);
    const agreement = html.slice(html.indexOf('id="agreement"'));
    // 4 metrics × 2 comparisons, each with a CI (ICC with 8 trials per video is defined)
    expect(count(agreement, /<rect class="bar"/g)).toBe(8);
    expect(count(agreement, /<path class="whisker"/g)).toBe(8);
    expect(html).toContain('<nav><a href="#training">Training</a><a href="#classification">Classification</a><a href="#agreement">Agreement</a></nav>');
  });

  it('escapes text, shows NaN as a dash and references nothing outside the file', () => {
    const report = agreementReport(3);
    report.videos[0]!.id = '<script>alert(1)</script>';
    report.videos[1]!.humanMachine!.iccProportionRight = NaN;
    const html = renderReport({ title: 'a & b', subtitle: '"quoted"', agreement: report });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('<title>a &amp; b</title>');
    expect(html).toContain('<td>–</td>');
    // The only URL is the SVG namespace; no src, no link, no @import.
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:|src=|<link|@import/);
  });
});

describe('output files', () => {
  it('writes NaN as null in JSON, and both files atomically (no temporary file left)', async () => {
    expect(JSON.parse(toJson({ a: NaN, b: [1, Infinity], c: 0.5 }))).toEqual({ a: null, b: [1, null], c: 0.5 });
    const dir = mkdtempSync(join(tmpdir(), 'gazecoder-report-'));
    try {
      await writeJsonFile(join(dir, 'out.json'), { kappa: NaN });
      await writeReport(join(dir, 'report.html'), { title: 't', classification: classificationReport() });
      expect(readdirSync(dir).sort()).toEqual(['out.json', 'report.html']);
      expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/^<!DOCTYPE html>/);
      await expect(writeReport(join(dir, 'missing', 'r.html'), { title: 't' })).rejects.toThrow(`cannot write ${join(dir, 'missing', 'r.html')}`);
      expect(readdirSync(dir).sort()).toEqual(['out.json', 'report.html']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
