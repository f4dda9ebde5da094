// metrics.jsonl as the trainer writes it → the epochs and steps the report draws.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { parseTrainingMetrics, readTrainingHistory } from '../src';
import { metricsJsonl } from './fixtures';

describe('metrics.jsonl', () => {
  it('splits epoch and step lines and keeps the trainer fields', () => {
    const history = parseTrainingMetrics(metricsJsonl(3, 10, 5), 'run/metrics.jsonl');
    expect(history.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(history.steps.map((s) => s.step)).toEqual([5, 10, 15, 20, 25, 30]);
    const first = history.epochs[0]!;
    expect(first.step).toBe(10);
    expect(first.trainLoss).toBeCloseTo(1.05, 12);
    expect(first.valConfusion).toEqual([[51, 5, 3], [6, 42, 4], [2, 7, 46]]);
    expect(history.steps[0]).toMatchObject({ epoch: 1, step: 5, lr: 1e-3 });
  });

  it('accepts untyped per-epoch lines, reads null as missing, and keeps the last copy of a re-logged epoch', () => {
    const text = [
      '{"epoch":1,"trainLoss":0.9,"valLoss":null,"valAccuracy":0.5}',
      '{"type":"note","message":"ignored"}',
      '{"epoch":2,"trainLoss":0.8,"valAccuracy":0.6}',
      '',
      '{"epoch":2,"trainLoss":0.7,"valAccuracy":0.65,"lr":0.0001,"samplesPerSecond":120}',
    ].join('\n');
    const history = parseTrainingMetrics(text);
    expect(history.epochs).toEqual([
      { epoch: 1, trainLoss: 0.9, valAccuracy: 0.5 },
      { epoch: 2, trainLoss: 0.7, valAccuracy: 0.65, lr: 0.0001, samplesPerSecond: 120 },
    ]);
    expect(history.steps).toEqual([]);
  });

  it('names the file and line of a malformed line, and a missing file', async () => {
    expect(() => parseTrainingMetrics('{"type":"epoch","epoch":1}\n{oops\n', 'r/metrics.jsonl')).toThrow(/^r\/metrics\.jsonl:2: not a JSON object/);
    const dir = mkdtempSync(join(tmpdir(), 'gazecoder-report-'));
    try {
      await expect(readTrainingHistory(dir)).rejects.toThrow(`${join(dir, 'metrics.jsonl')}: no such file; is ${dir} a training run folder`);
      writeFileSync(join(dir, 'metrics.jsonl'), metricsJsonl(2, 4, 2));
      expect((await readTrainingHistory(dir)).epochs).toHaveLength(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
