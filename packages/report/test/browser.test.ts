// The report in a real browser (Debian's Chromium, headless, driven by playwright-core): every chart
// renders with its paths, bars, dots and cells laid out, nothing is logged as an error and nothing is
// requested from the network. The screenshot goes to $GAZECODER_REPORT_SCREENSHOT when it is set.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium, type Browser } from 'playwright-core';

import { parseTrainingMetrics, writeReport } from '../src';
import { agreementReport, classificationReport, metricsJsonl } from './fixtures';

const CHROMIUM = '/usr/bin/chromium';

describe('the report in headless Chromium', () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), 'gazecoder-report-browser-'));

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/setup.sh does)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders every chart without console errors or network requests', async () => {
    const path = join(dir, 'report.html');
    await writeReport(path, {
      title: 'gazecoder report',
      subtitle: 'synthetic run, test split and 12 videos',
      training: parseTrainingMetrics(metricsJsonl(12, 40, 5), 'runs/synthetic/metrics.jsonl'),
      classification: classificationReport(),
      agreement: agreementReport(12),
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });

    const layout = await page.evaluate(() => {
      const boxes = (selector: string) => [...document.querySelectorAll(selector)].map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 || r.height > 0).length;
      return {
        charts: document.querySelectorAll('svg.chart').length,
        drawnCharts: [...document.querySelectorAll('svg.chart')].filter((s) => s.getBoundingClientRect().width > 200).length,
        seriesPaths: boxes('svg.line-chart path.series'),
        // SVGPathElement geometry: a real path has length
        pathLength: [...document.querySelectorAll<SVGPathElement>('svg.line-chart path.series')].map((p) => p.getTotalLength()),
        bars: boxes('svg.bar-chart rect.bar'),
        whiskers: boxes('svg.bar-chart path.whisker'),
        dots: boxes('svg.dot-chart circle.dot'),
        cells: boxes('svg.heatmap g.cell rect'),
        sections: [...document.querySelectorAll('section')].map((s) => s.id),
      };
    });
    expect(layout.sections).toEqual(['training', 'classification', 'agreement']);
    // 4 training curves + val confusion (5); per-class bars + confusion (2); summary bars, 2 per-video charts, 4 heat maps (7)
    expect(layout.charts).toBe(14);
    expect(layout.drawnCharts).toBe(14);
    // loss (steps, train, val), accuracy (train, val), lr (steps, epochs), throughput (steps, epochs)
    expect(layout.seriesPaths).toBe(9);
    expect(Math.min(...layout.pathLength)).toBeGreaterThan(100);
    expect(layout.bars).toBe(9 + 8);
    expect(layout.whiskers).toBe(8);
    expect(layout.dots).toBe(2 * 12 * 2);
    expect(layout.cells).toBe(9 + 9 + 9 + 4 + 9 + 4);
    expect(problems).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);

    const screenshot = process.env.GAZECODER_REPORT_SCREENSHOT ?? join(dir, 'report.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    expect(existsSync(screenshot)).toBe(true);
    await page.close();
  });
});
