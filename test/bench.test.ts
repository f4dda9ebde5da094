// `gazecoder bench --quick` end to end: the real step benchmark against Debian's PyTorch (with the
// one-step parity), both training pipelines and the inference comparison, written as JSON and Markdown.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { BenchResult } from '@gazecoder/cli';

import { gazecoder, tempDir } from './helpers/run';

describe('gazecoder bench --quick', () => {
  const dir = tempDir('bench');
  const jsonPath = join(dir.path, 'bench.json');
  const markdownPath = join(dir.path, 'bench.md');
  let result: BenchResult;
  let stdout: string;

  beforeAll(() => {
    const run = gazecoder('bench', '--quick', '--device', 'cpu', '--json', jsonPath, '--markdown', markdownPath);
    if (run.code !== 0) throw new Error(`gazecoder bench failed (${run.code}): ${run.stderr}`);
    stdout = run.stdout;
    result = JSON.parse(readFileSync(jsonPath, 'utf8')) as BenchResult;
  });
  afterAll(() => dir.cleanup());

  it('measures every section, each against its reference, with finite positive ratios', () => {
    expect(result.version).toBe(1);
    expect(result.quick).toBe(true);
    const sections = result.rows.map((r) => r.section);
    expect(sections.filter((s) => s === 'training step')).toHaveLength(1);
    // --quick: clips of 4 only.
    expect(sections.filter((s) => s === 'shared-frame step')).toHaveLength(1);
    // iCatcher+'s pipeline and PyTorch fed from our packed arrays, then shared-frame training against the latter.
    expect(sections.filter((s) => s === 'end-to-end training')).toHaveLength(3);
    // Per window and in clips of 16, with 1 core and with all of them.
    expect(sections.filter((s) => s === 'data pipeline')).toHaveLength(4);
    expect(sections.filter((s) => s === 'inference')).toHaveLength(1);
    expect(sections.filter((s) => s === 'face detection')).toHaveLength(1);
    for (const row of result.rows) {
      expect(row.ours.status).toBe('ok');
      expect(row.theirs.status).toBe('ok');
      for (const side of [row.ours, row.theirs]) {
        expect(side.samplesPerSecond).toBeGreaterThan(0);
        if (row.section === 'data pipeline') continue;  // a rate over many batches, no step times
        const t = side.secondsPerStep;
        expect(t).toBeDefined();
        if (!t) continue;
        expect(t.min).toBeGreaterThan(0);
        expect(t.min).toBeLessThanOrEqual(t.median);
        expect(t.median).toBeLessThanOrEqual(t.max);
      }
      expect(Number.isFinite(row.ratio)).toBe(true);
      expect(row.ratio).toBeGreaterThan(0);
      expect(row.ratio).toBeCloseTo((row.ours.samplesPerSecond ?? NaN) / (row.theirs.samplesPerSecond ?? NaN), 10);
    }
  });

  it('sends the inference video live into annotateStream and reports each frame\'s latency', () => {
    const row = result.rows.find((r) => r.section === 'inference');
    const stream = row?.stream;
    expect(stream).toBeDefined();
    if (!row || !stream) return;
    // Every frame of the video was answered: as many as the file run coded.
    expect(stream.frames).toBe(Math.round((row.ours.samplesPerSecond ?? NaN) * (row.ours.secondsPerStep?.median ?? NaN)));
    expect(stream.fps).toBe(30);
    // An answer needs the 4 frames after its own, sent 33 ms apart: no latency is below 0.
    for (const ms of [stream.medianMs, stream.p95Ms, stream.settledMedianMs, stream.settledP95Ms]) expect(ms).toBeGreaterThan(0);
    expect(stream.medianMs).toBeLessThanOrEqual(stream.p95Ms);
    expect(stream.answersPerSecond).toBeGreaterThan(0);
    expect(readFileSync(markdownPath, 'utf8')).toMatch(/\| arch \| frames sent at \| chunk \|/);
  });

  it('starts our step and PyTorch step from the same weights and batch and lands on the same loss and parameters', () => {
    const step = result.rows.find((r) => r.section === 'training step');
    const parity = step?.parity;
    expect(parity).toBeDefined();
    if (!parity) return;
    expect(parity.parametersCompared).toBeGreaterThan(50);
    expect(parity.loss).toBeGreaterThan(0);
    expect(parity.lossAbsDiff).toBeLessThan(1e-4);
    // Adam's first step moves every parameter by about ±lr = 1e-5 whatever the gradient's size, so the
    // parameters show a sign error at most; the gradients themselves must match too.
    expect(parity.paramMaxAbsDiff).toBeLessThan(1e-6);
    expect(parity.paramMaxAbs).toBeGreaterThan(0);
    expect(parity.gradMaxAbs).toBeGreaterThan(0);
    expect(parity.gradMaxAbsDiff).toBeLessThan(1e-4 * parity.gradMaxAbs);
  });

  it('times shared-frame steps with their frames and both sides\' peak memory, and the loaders alone per core', () => {
    const shared = result.rows.find((r) => r.section === 'shared-frame step');
    expect(shared?.config).toMatch(/^batch 8 windows in clips of 4 \(--shared-frames 4\): 16 frames encoded instead of 40/);
    for (const side of [shared?.ours, shared?.theirs]) expect(side?.peakRssBytes).toBeGreaterThan(50 * 2 ** 20);
    const loaders = result.rows.filter((r) => r.section === 'data pipeline');
    expect(loaders.map((r) => r.workers)).toEqual([1, 1, expect.any(Number), expect.any(Number)]);
    const markdown = readFileSync(markdownPath, 'utf8');
    expect(markdown).toContain("Data pipeline alone: the cores each loader needs to feed a V100's AMP training step at 300 windows/s");
    expect(markdown).toMatch(/\| in clips of 16 \(--shared-frames 16\) \| PyTorch DataLoader, iCatcher\+'s PNG\/PIL pipeline, num_workers=0 \| 1 \| \d+ \| \d+ \| [\d.]+ \| [\d.]+ \|/);
    expect(markdown).toContain('Training step memory');
  });

  it("times RetinaFace in the native core against batch_face's in PyTorch, and both find the same faces bit for bit", () => {
    const row = result.rows.find((r) => r.section === 'face detection');
    expect(row?.detections).toBeDefined();
    if (!row?.detections) return;
    expect(row.detections.frames).toBe(3);
    // The benchmark's random weights find a few faces a frame, as a trained network would (NMS runs on each side).
    expect(row.detections.faces).toBeGreaterThan(0);
    expect(row.detections.identical).toBe(true);
    expect(readFileSync(markdownPath, 'utf8')).toMatch(/\| face detection \| retinaface \(ResNet-50\) \|.*\| identical detections \(\d+ on 3 frames\) \|/);
  });

  it('names the machine and prints the same table it writes', () => {
    expect(result.machine.cpu).not.toBe('');
    expect(result.machine.threads).toBeGreaterThan(0);
    expect(result.machine.libtorch).toMatch(/^\d+\.\d+/);
    expect(result.machine.pytorch).toMatch(/^\d+\.\d+/);
    const markdown = readFileSync(markdownPath, 'utf8');
    expect(stdout).toBe(markdown);
    expect(markdown).toContain(`PyTorch ${result.machine.pytorch}`);
    expect(markdown.split('\n').filter((l) => /^\| (training step|shared-frame step|end-to-end training|data pipeline|inference|face detection) \|/.test(l))).toHaveLength(result.rows.length);
  });
});
