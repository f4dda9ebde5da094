/// <reference lib="dom" />
// `gazecoder demo` (what `npm run demo` runs) end to end, as it is: synthetic videos → preprocess →
// train → test → annotate → report, with the test accuracy it prints and its report opened in
// Debian's Chromium. About 4–5 minutes on 2 idle cores; 10 when a benchmark shares them.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import { chromium } from 'playwright-core';
import { runtimeInfo } from '@gazecoder/torch';

import { gazecoder, tempDir } from './helpers/run';

const CHROMIUM = '/usr/bin/chromium';

let dir: { path: string; cleanup: () => void };
beforeAll(() => (dir = tempDir('demo')));
afterAll(() => dir.cleanup());

describe('gazecoder demo', () => {
  it('runs every stage, prints a test accuracy ≥ 0.90 and a report that opens in Chromium', async () => {
    const out = join(dir.path, 'demo');
    const result = gazecoder('demo', '--out', out);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    for (const [i, stage] of ['synth', 'preprocess', 'train', 'test', 'annotate', 'report'].entries()) expect(result.stdout).toContain(`[${i + 1}/6] ${stage}: `);
    expect(result.stdout).toMatch(/epoch 5\/5: /);

    const accuracy = Number(/^test accuracy: ([\d.]+) \(\d+ windows\)/m.exec(result.stdout)?.[1]);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    const report = /^report: (.+)$/m.exec(result.stdout)?.[1] as string;
    expect(report).toBe(join(out, 'report.html'));
    expect(existsSync(join(out, 'run', 'best.pth'))).toBe(true);
    // the annotated test video in iCatcher+'s three formats
    expect(readdirSync(join(out, 'annotation')).sort()).toEqual(['compressed', 'raw_output', 'ui']);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
      const shown = await page.evaluate(() => ({ title: document.querySelector('h1')?.textContent, charts: document.querySelectorAll('svg.chart').length, text: document.body.innerText }));
      expect(problems).toEqual([]);
      expect(shown.title).toContain('gazecoder demo');
      expect(shown.charts).toBeGreaterThan(2);
      expect(shown.text).toContain('test split');
    } finally {
      await browser.close();
    }

    // a rerun may clear the demo's own folder, never another one
    const foreign = join(dir.path, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const refused = gazecoder('demo', '--out', foreign);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`--out ${foreign}: exists and holds files the demo did not write; choose another folder`);
  }, 900_000);

  (runtimeInfo().cudaAvailable ? it.skip : it)('--full says it needs CUDA on a machine without it', () => {
    const result = gazecoder('demo', '--full', '--out', join(dir.path, 'full'));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('demo --full trains regnet_y_16gf at batch 64 on CUDA, but');
    expect(result.stderr).toContain('run the demo without --full');
  });
});
