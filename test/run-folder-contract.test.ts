// The run folder's contract: what the native core really writes (config.json, metrics.jsonl) and
// posts (train()'s events) validates against the one schema in @gazecoder/formats that the TS
// readers' types come from. The schemas are strict, so a field renamed or added in C++ fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { type MetricsLine, metricsLineSchema, RUN_FILES, runConfigSchema, type TrainEvent, trainEventSchema } from '@gazecoder/formats';
import { train } from '@gazecoder/torch';

import { python, tempDir } from './helpers/run';

const TINY = 'regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25';

let dir: { path: string; cleanup: () => void };
const dataset = () => join(dir.path, 'dataset');

beforeAll(() => {
  dir = tempDir('contract');
  const made = python('synthetic_dataset.py', dataset(), '--size', '32', '--train-videos', '2', '--val-videos', '1', '--frames', '60');
  expect(made.stderr).toBe('');
  expect(made.code).toBe(0);
});
afterAll(() => dir.cleanup());

async function trainRun(name: string, optimizer: 'sgd' | 'adam'): Promise<{ out: string; events: TrainEvent[] }> {
  const out = join(dir.path, name);
  const events: TrainEvent[] = [];
  for await (const event of train({ dataset: dataset(), out, arch: TINY, batchSize: 8, device: 'cpu', epochs: 2, logEvery: 2, optimizer, seed: 1 })) events.push(event);
  return { out, events };
}

function metricsLines(out: string): unknown[] {
  return readFileSync(join(out, RUN_FILES.metrics), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as unknown);
}

const runs: Partial<Record<'sgd' | 'adam', { out: string; events: TrainEvent[] }>> = {};

describe.each(['sgd', 'adam'] as const)('a real training run (%s)', (optimizer) => {
  let run: { out: string; events: TrainEvent[] };
  beforeAll(async () => {
    run = await trainRun(`run-${optimizer}`, optimizer);
    runs[optimizer] = run;
  }, 300_000);

  it('writes a config.json that the schema accepts', () => {
    const config = runConfigSchema.parse(JSON.parse(readFileSync(join(run.out, RUN_FILES.config), 'utf8')));
    expect(config.optimizer.name).toBe(optimizer);
    expect(config.arch).toBe(TINY);
    expect(config.data.trainVideos).toBe(2);
  });

  it('writes metrics.jsonl lines that the schema accepts, step and epoch lines both', () => {
    const lines: MetricsLine[] = metricsLines(run.out).map((line) => metricsLineSchema.parse(line));
    expect(lines.filter((l) => l.type === 'epoch').map((l) => l.epoch)).toEqual([1, 2]);
    expect(lines.some((l) => l.type === 'step')).toBe(true);
  });

  it('posts events that the schema accepts: start, steps, epochs, done', () => {
    for (const event of run.events) trainEventSchema.parse(event);
    const types = run.events.map((e) => e.type);
    expect(types[0]).toBe('start');
    expect(types.at(-1)).toBe('done');
    expect(types.filter((t) => t === 'epoch')).toHaveLength(2);
    expect(types).toContain('step');
  });
});

describe('the schema catches a changed field', () => {
  it('rejects a renamed, a missing or an extra field, naming it', () => {
    const { out } = runs.sgd as { out: string };
    const config = JSON.parse(readFileSync(join(out, RUN_FILES.config), 'utf8')) as Record<string, unknown>;
    const { imageSize, ...renamed } = config;
    const result = runConfigSchema.safeParse({ ...renamed, image_size: imageSize });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) => issue.path.join('.') || issue.message) ?? [];
    expect(paths.join('\n')).toMatch(/imageSize/);
    expect(JSON.stringify(result.error?.issues)).toMatch(/image_size/);

    const epoch = metricsLines(out).find((line) => (line as { type: string }).type === 'epoch') as Record<string, unknown>;
    const { valAccuracy, ...withoutAccuracy } = epoch;
    expect(valAccuracy).toEqual(expect.any(Number));
    expect(metricsLineSchema.safeParse(withoutAccuracy).success).toBe(false);
    expect(metricsLineSchema.safeParse({ ...epoch, valAccuracyTop5: 1 }).success).toBe(false);
    expect(metricsLineSchema.safeParse(epoch).success).toBe(true);
  });
});
