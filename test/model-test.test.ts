// `gazecoder test` and `gazecoder report` end to end: a small model trained by `gazecoder train` on a
// synthetic dataset (test/python/synthetic_dataset.py), scored on a split by the addon's window
// predictions, against PyTorch's reference model on windows and transforms of its own
// (test/python/check_window_predictions.py), and sklearn-checked metrics of those predictions.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { gazecoder, python, tempDir } from './helpers/run';

const TINY = 'regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25';

interface Reference {
  videos: string[];
  video: number[];
  start: number[];
  label: number[];
  predicted: number[];
  logits: number[][];
}

interface TestJson {
  arch: string;
  split: string;
  metrics: { samples: number; accuracy: number; cohensKappa: number; confusion: number[][]; perClass: Array<{ precision: number; recall: number; f1: number; support: number }> };
  videos: Array<{ id: string; windows: number; accuracy: number }>;
}

describe('gazecoder test', () => {
  const dir = tempDir('model-test');
  const dataset = join(dir.path, 'dataset');
  const run = join(dir.path, 'run');
  let reference: Reference;

  beforeAll(() => {
    const made = python('synthetic_dataset.py', dataset, '--size', '32', '--train-videos', '2', '--val-videos', '2', '--frames', '150');
    expect(made.code).toBe(0);
    const trained = gazecoder('train', dataset, '--out', run, '--arch', TINY, '--batch-size', '16', '--lr', '1e-3', '--device', 'cpu', '--seed', '3', '--epochs', '2', '--log-every', '5', '--json');
    expect(trained.code).toBe(0);
    const check = python('check_window_predictions.py', dataset, 'val', join(run, 'best.pth'), TINY);
    expect(check.stderr).toBe('');
    reference = JSON.parse(check.stdout) as Reference;
  });
  afterAll(() => dir.cleanup());

  it('scores every window of the split as PyTorch does, with the run architecture from config.json', () => {
    const json = join(dir.path, 'test.json');
    const report = join(dir.path, 'test.html');
    const result = gazecoder('test', join(run, 'best.pth'), dataset, '--split', 'val', '--device', 'cpu', '--batch-size', '7', '--json', json, '--report', report);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^windows \d+: accuracy \d+\.\d\d %, Cohen's kappa/);

    const ours = JSON.parse(readFileSync(json, 'utf8')) as TestJson;
    expect(ours.arch).toBe(TINY);

    // The same windows, labels and (margins permitting) the same predictions.
    expect(ours.metrics.samples).toBe(reference.label.length);
    expect(ours.videos.map((v) => v.id)).toEqual(reference.videos);
    expect(ours.videos.map((v) => v.windows)).toEqual(reference.videos.map((_, i) => reference.video.filter((v) => v === i).length));
    const truth = reference.label;
    const confusion = [0, 1, 2].map((t) => [0, 1, 2].map((p) => truth.filter((l, i) => l === t && reference.predicted[i] === p).length));
    expect(ours.metrics.confusion).toEqual(confusion);
    expect(ours.metrics.accuracy).toBeCloseTo(truth.filter((l, i) => l === reference.predicted[i]).length / truth.length, 12);
    expect(ours.metrics.perClass.map((c) => c.support)).toEqual([0, 1, 2].map((c) => truth.filter((l) => l === c).length));

    // The same windows and inputs as training's validation: the best epoch's accuracy, on as many windows.
    const epochs = readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"epoch"')).map((l) => JSON.parse(l) as { valAccuracy: number; isBest: boolean });
    expect(ours.metrics.accuracy).toBeCloseTo(epochs.filter((e) => e.isBest).at(-1)!.valAccuracy, 12);
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { data: { valWindows: number } };
    expect(ours.metrics.samples).toBe(config.data.valWindows);

    const html = readFileSync(report, 'utf8');
    expect(html).toContain('id="classification"');
    expect(html).toContain('id="training"'); // the run's curves come along
  });

  it('predicts through the API with logits equal to PyTorch', async () => {
    const { Model } = await import('@gazecoder/torch');
    await using model = await Model.create({ arch: TINY, kind: 'gaze', device: 'cpu' });
    await model.loadWeights(join(run, 'best.pth'));
    const ours = await model.predictWindows({ dataset, split: 'val', batchSize: 32 });
    expect(ours.videos).toEqual(reference.videos);
    expect(Array.from(ours.video)).toEqual(reference.video);
    expect(Array.from(ours.start)).toEqual(reference.start);
    expect(Array.from(ours.label)).toEqual(reference.label);
    let worst = 0;
    reference.logits.flat().forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (ours.logits[i] as number)))));
    const scale = Math.max(...reference.logits.flat().map(Math.abs));
    expect(worst / scale).toBeLessThan(1e-4);
    // Where the reference's top two logits are apart, the predicted class is the same.
    let compared = 0;
    reference.logits.forEach((l, i) => {
      const sorted = [...l].sort((a, b) => b - a);
      if ((sorted[0] as number) - (sorted[1] as number) <= 1e-3 * scale) return;
      compared += 1;
      expect(ours.predicted[i]).toBe(reference.predicted[i]);
    });
    expect(compared).toBeGreaterThan(0.9 * reference.logits.length);
  });

  it('writes the training report of a run folder', () => {
    const out = join(dir.path, 'run.html');
    const result = gazecoder('report', run, '--out', out);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${out}: 2 epochs`);
    expect(readFileSync(out, 'utf8')).toContain('<svg class="chart line-chart"');
  });

  it('names what is wrong: a missing checkpoint, a split without videos, weights of another architecture', () => {
    let result = gazecoder('test', join(run, 'nope.pth'), dataset);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(run, 'nope.pth')}: no such checkpoint`);

    result = gazecoder('test', join(run, 'best.pth'), dataset, '--device', 'cpu');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(dataset, 'manifest.json')}: no done videos in the test split`);

    const json = join(dir.path, 'never.json');
    result = gazecoder('test', join(run, 'best.pth'), dataset, '--split', 'val', '--arch', 'regnet_y_400mf', '--device', 'cpu', '--json', json);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`gazecoder: ${join(run, 'best.pth')}: does not fit regnet_y_400mf GazeCodingModel`);
    expect(result.stderr).toMatch(/… and \d+ more\n\(is .*best\.pth a regnet_y_400mf gaze model\?\)/);
    expect(existsSync(json)).toBe(false);
  });
});
