// `gazecoder train` and the train() API end to end: the real addon and CLI on a small synthetic dataset
// whose class is visible (test/python/synthetic_dataset.py), checked against the Python reference.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { TrainEvent } from '@gazecoder/formats';
import { Model, runtimeInfo, train } from '@gazecoder/torch';

import { GAZECODER_BIN, gazecoder, python, tempDir } from './helpers/run';

// A custom RegNet small enough to train in seconds on 2 cores (the factory's regnet: spec).
const TINY = 'regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25';
const FAST = ['--arch', TINY, '--batch-size', '16', '--lr', '1e-3', '--device', 'cpu', '--seed', '1'];

let dir: { path: string; cleanup: () => void };
const file = (...parts: string[]) => join(dir.path, ...parts);
const dataset = () => file('dataset');

function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as T);
}

function metrics(run: string): Record<string, unknown>[] {
  return jsonLines(readFileSync(join(run, 'metrics.jsonl'), 'utf8'));
}

/**
 * Asserts that two .pth files hold bit-identical weights (compared in PyTorch): the `model` entry of
 * two runs' last.pth, or (`key` null) two plain state dicts such as best.pth.
 */
function expectSameWeights(a: string, b: string, key: string | null = 'model'): void {
  const entry = key === null ? '' : `[${JSON.stringify(key)}]`;
  const compare =
    `import sys,torch; a=torch.load(sys.argv[1])${entry}; b=torch.load(sys.argv[2])${entry}; ` +
    'assert list(a)==list(b); bad=[k for k in a if not torch.equal(a[k],b[k])]; print(len(a), bad); sys.exit(1 if bad else 0)';
  const result = python('run_inline.py', compare, a, b);
  expect(result.stderr).toBe('');
  expect(result.stdout).toMatch(/^\d+ \[\]/);
  expect(result.code).toBe(0);
}

beforeAll(() => {
  dir = tempDir('train');
  const made = python('synthetic_dataset.py', dataset(), '--size', '32', '--train-videos', '3', '--val-videos', '2', '--frames', '150');
  expect(made.stderr).toBe('');
  expect(made.code).toBe(0);
});
afterAll(() => dir.cleanup());

describe('gazecoder train', () => {
  it('learns the visible class, keeps the best epoch in best.pth, and PyTorch agrees with its numbers', () => {
    const run = file('learn');
    const result = gazecoder('train', dataset(), '--out', run, ...FAST, '--epochs', '4', '--log-every', '5', '--json');
    expect(result.code).toBe(0);
    const events = jsonLines<TrainEvent>(result.stderr);
    expect(events[0]?.type).toBe('start');
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) expect(step.samplesPerSecond).toBeGreaterThan(0);
    const done = JSON.parse(result.stdout) as Extract<TrainEvent, { type: 'done' }>;
    expect(done).toMatchObject({ type: 'done', reason: 'completed', epochs: 4, bestCheckpoint: join(run, 'best.pth') });

    // Far above chance (the majority class is ~44 % of the validation windows).
    const epochs = metrics(run).filter((m) => m.type === 'epoch') as { epoch: number; valAccuracy: number; valLoss: number; isBest: boolean }[];
    expect(epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4]);
    const best = epochs.reduce((a, b) => (b.valAccuracy > a.valAccuracy ? b : a));
    expect(best.valAccuracy).toBeGreaterThan(0.9);
    expect(done.bestEpoch).toBe(best.epoch);
    expect(epochs.filter((e) => e.isBest).at(-1)?.epoch).toBe(best.epoch);
    // Samples/s is logged in metrics.jsonl too.
    const stepLines = metrics(run).filter((m) => m.type === 'step');
    expect(stepLines.length).toBeGreaterThan(0);
    for (const line of stepLines) expect(line.samplesPerSecond as number).toBeGreaterThan(0);

    // best.pth (and last.pth's model) strict-load into the Python GazeCodingModel, which then measures the
    // best epoch's validation accuracy and loss on windows and transforms of its own.
    const check = python('check_training_run.py', dataset(), run, TINY);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    const reference = JSON.parse(check.stdout) as { valAccuracy: number; valLoss: number; valWindows: number };
    expect(reference.valAccuracy).toBeCloseTo(best.valAccuracy, 10);
    expect(Math.abs(reference.valLoss - best.valLoss) / best.valLoss).toBeLessThan(1e-4);

    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ arch: TINY, batchSize: 16, epochs: 4, seed: 1, amp: 'off', optimizer: { name: 'adam', lr: 1e-3, weightDecay: 1e-5 } });
    expect((config.data as { valWindows: number }).valWindows).toBe(reference.valWindows);

    // `gazecoder model` takes the --arch that train took: it loads, checks and re-saves the custom model.
    const loaded = gazecoder('model', '--arch', TINY, '--weights', join(run, 'best.pth'), '--save', join(run, 'resaved.pth'), '--json');
    expect(loaded.stderr).toBe('');
    expect(loaded.code).toBe(0);
    const summary = JSON.parse(loaded.stdout) as { arch: string; stateEntries: number; weights: { interpretedAs: string; loaded: string[]; skipped: string[] } };
    expect(summary.arch).toBe(TINY);
    expect(summary.weights).toMatchObject({ interpretedAs: 'checkpoint', skipped: [] });
    expect(summary.weights.loaded).toHaveLength(summary.stateEntries);
    expectSameWeights(join(run, 'best.pth'), join(run, 'resaved.pth'), null);
    // One parser: what train refuses, model refuses with train's words.
    expect(gazecoder('model', '--arch', 'regnet:depth=3,w0=16', '--weights', join(run, 'best.pth')).stderr).toMatch(/RegNet spec 'regnet:depth=3,w0=16' lacks wa/);
    expect(gazecoder('train', dataset(), '--out', file('bad-spec'), '--arch', 'regnet:depth=3,w0=16').stderr).toMatch(/RegNet spec 'regnet:depth=3,w0=16' lacks wa/);
  });

  it('trains in shared-frame clips (--shared-frames), learns the class as well, and records its settings', () => {
    const run = file('shared');
    const result = gazecoder('train', dataset(), '--out', run, ...FAST, '--epochs', '4', '--shared-frames', '8', '--horiz-flip', '--json');
    expect(result.stderr).not.toContain('gazecoder:');
    expect(result.code).toBe(0);
    const config = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')) as { samples: { sharedFrames: number }; freezeEncoderBatchNorm: boolean; data: { batchesPerEpoch: number } };
    expect(config.samples.sharedFrames).toBe(8);
    expect(config.freezeEncoderBatchNorm).toBe(false);
    // As many steps as per window: a batch is 16 windows, whole clips or a clip's part.
    const perWindow = JSON.parse(readFileSync(join(file('learn'), 'config.json'), 'utf8')) as typeof config;
    expect(config.data.batchesPerEpoch).toBe(perWindow.data.batchesPerEpoch);
    const epochs = metrics(run).filter((m) => m.type === 'epoch') as { valAccuracy: number }[];
    const best = Math.max(...epochs.map((e) => e.valAccuracy));
    expect(best).toBeGreaterThan(0.9);
    // Validation is per window as always, and the checkpoints are ordinary GazeCodingModels: PyTorch
    // measures best.pth's accuracy as the run did.
    const check = python('check_training_run.py', dataset(), run, TINY);
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
    expect((JSON.parse(check.stdout) as { valAccuracy: number }).valAccuracy).toBeCloseTo(best, 10);
  });

  it('resumes an interrupted run exactly: same weights as an uninterrupted one', async () => {
    const straight = file('straight');
    expect(gazecoder('train', dataset(), '--out', straight, ...FAST, '--epochs', '2', '--horiz-flip', '--json').code).toBe(0);

    // Interrupted through the API in the middle of epoch 1 ...
    const resumed = file('resumed');
    const controller = new AbortController();
    let last: TrainEvent | undefined;
    for await (const event of train(
      { dataset: dataset(), out: resumed, arch: TINY, batchSize: 16, lr: 1e-3, device: 'cpu', seed: 1, epochs: 2, horizontalFlip: true },
      { signal: controller.signal },
    )) {
      if (event.type === 'step' && event.step === 7) controller.abort();
      last = event;
    }
    // The stop lands after the step in flight when the event reached JS: step 7 or a little later.
    expect(last).toMatchObject({ type: 'done', reason: 'aborted', epochs: 0 });
    const stoppedAt = (last as Extract<TrainEvent, { type: 'done' }>).steps;
    expect(stoppedAt).toBeGreaterThanOrEqual(7);

    // ... and continued by the CLI, with the run's settings taken from last.pth and more loader threads.
    const result = gazecoder('train', dataset(), '--out', resumed, '--resume', '--workers', '3', '--json');
    expect(result.code).toBe(0);
    expect(jsonLines<TrainEvent>(result.stderr)[0]).toMatchObject({ type: 'start', startEpoch: 1, startBatch: stoppedAt });
    expectSameWeights(join(straight, 'last.pth'), join(resumed, 'last.pth'));
    const strip = (m: Record<string, unknown>) => ({ ...m, trainSeconds: 0, valSeconds: 0, samplesPerSecond: 0 });
    expect(metrics(resumed).filter((m) => m.type === 'epoch').map(strip)).toEqual(metrics(straight).filter((m) => m.type === 'epoch').map(strip));
  });

  it('names every bad flag, a missing or inconsistent dataset file, and a run folder in use', () => {
    const out = file('errors');
    const cases: [string[], string][] = [
      [['--batch-size', '0'], "--batch-size must be a positive integer, got '0'"],
      [['--epochs', 'many'], "--epochs must be a positive integer, got 'many'"],
      [['--lr', '-1'], "--lr must be a positive number, got '-1'"],
      [['--shared-frames', '0'], "--shared-frames must be a positive integer, got '0'"],
      [['--optimizer', 'rmsprop'], "argument 'rmsprop' is invalid. Allowed choices are adam, sgd"],
      [['--amp', 'fp8'], "argument 'fp8' is invalid. Allowed choices are fp16, bf16, off"],
      [['--amp', 'fp16', '--device', 'cpu'], '--amp fp16 needs a CUDA device (this run uses cpu)'],
      [['--cuda-graphs', '--device', 'cpu'], '--cuda-graphs needs a CUDA device (this run uses cpu)'],
      [['--device', 'tpu'], "--device: unknown device 'tpu'"],
      [['--arch', 'regnet_z'], "--arch: unknown architecture 'regnet_z'"],
      [['--pretrained', file('none.pth')], `--pretrained ${file('none.pth')}: no such file`],
      [['--resume', '--init', file('none.pth')], '--resume continues from last.pth; --pretrained and --init do not apply to it'],
      [['--resume'], `--resume: ${join(out, 'last.pth')} does not exist`],
    ];
    for (const [flags, message] of cases) {
      const result = gazecoder('train', dataset(), '--out', out, ...flags);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain(message);
    }
    expect(gazecoder('train', dataset()).stderr).toContain("required option '--out <run-dir>' not specified");

    const missing = gazecoder('train', file('nowhere'), '--out', out);
    expect(missing.stderr).toContain(`gazecoder: ${file('nowhere', 'manifest.json')}: no such file`);

    const broken = file('broken');
    cpSync(dataset(), broken, { recursive: true });
    const boxes = join(broken, 'videos', 'val-04', 'boxes.npy');
    writeFileSync(boxes, readFileSync(boxes).subarray(0, 200));
    const truncated = gazecoder('train', broken, '--out', out, ...FAST);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toContain(`gazecoder: ${boxes}: truncated`);

    const manifest = join(broken, 'manifest.json');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('"version": 1', '"version": 2'));
    expect(gazecoder('train', broken, '--out', out).stderr).toContain(`${manifest}: dataset format version 2 is newer than this gazecoder reads (1)`);

    const inUse = gazecoder('train', dataset(), '--out', file('learn'), ...FAST);
    expect(inUse.stderr).toContain(`--out ${file('learn')} already holds a run (last.pth); pass --resume to continue it`);
  });

  // CUDA builds map gigabytes of address space at load time, so the limit below would stop them earlier.
  const cpuBuild = !runtimeInfo().torchBuiltWithCuda;
  (cpuBuild ? it : it.skip)('reports running out of memory with the batch size that failed', () => {
    // A 3.5 GB address-space limit cannot hold regnet_y_16gf's activations for 64 windows.
    const out = file('oom');
    const run = spawnSync('bash', ['-c', `ulimit -v 3500000; exec "${GAZECODER_BIN}" train "${dataset()}" --out "${out}" --arch regnet_y_16gf --batch-size 64 --epochs 1 --device cpu --json`], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('gazecoder: out of memory during training at --batch-size 64 on cpu (regnet_y_16gf, amp off); try a smaller --batch-size, e.g. 32.');
  });
});

describe('train()', () => {
  it('runs off the event loop, stops cleanly on abort and leaves a loadable checkpoint', async () => {
    const out = file('api-abort');
    const controller = new AbortController();
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    const events: TrainEvent[] = [];
    let ticksAtAbort = 0;
    for await (const event of train({ dataset: dataset(), out, arch: TINY, batchSize: 8, lr: 1e-3, device: 'cpu', epochs: 3 }, { signal: controller.signal })) {
      events.push(event);
      if (event.type === 'step' && event.step === 12) {
        ticksAtAbort = ticks;
        controller.abort();
      }
    }
    clearInterval(timer);
    expect(ticksAtAbort).toBeGreaterThan(0);  // timers fired while the native thread trained
    const done = events.at(-1) as Extract<TrainEvent, { type: 'done' }>;
    expect(done).toMatchObject({ type: 'done', reason: 'aborted', epochs: 0, bestEpoch: null, bestCheckpoint: null });
    expect(done.steps).toBeGreaterThanOrEqual(12);  // the step in flight when the abort arrived finishes
    expect(events.filter((e) => e.type === 'step')).toHaveLength(done.steps);

    await using model = await Model.create({ arch: TINY, kind: 'gaze', device: 'cpu' });
    const report = await model.loadWeights(join(out, 'last.pth'));
    expect(report.interpretedAs).toBe('checkpoint');
    const load = 'import sys,torch; sys.path.insert(0, sys.argv[3]); import reference_models as r; m=r.GazeCodingModel(sys.argv[2]); print(m.load_state_dict(torch.load(sys.argv[1])["model"], strict=True))';
    const strict = python('run_inline.py', load, join(out, 'last.pth'), TINY, join(__dirname, 'python'));
    expect(strict.stdout).toContain('All keys matched successfully');
  });

  it('leaving the loop early stops the run and waits for it; errors reject the iteration', async () => {
    const out = file('api-break');
    for await (const event of train({ dataset: dataset(), out, arch: TINY, batchSize: 8, device: 'cpu', epochs: 1 })) {
      if (event.type === 'step') break;
    }
    expect(existsSync(join(out, 'last.pth'))).toBe(true);  // written before return() resolved
    await expect(async () => {
      for await (const event of train({ dataset: dataset(), out, arch: TINY, device: 'cpu' })) void event;
    }).rejects.toThrow('already holds a run (last.pth)');
  });

  it('keeps native memory flat across epochs', () => {
    // In a fresh process, so that nothing else of the test run shows in its RSS.
    const script = `
      const { train } = require(${JSON.stringify(require.resolve('@gazecoder/torch'))});
      (async () => {
        const rss = [];
        for await (const e of train({ dataset: process.argv[1], out: process.argv[2], arch: ${JSON.stringify(TINY)}, batchSize: 32, epochs: 12, lr: 1e-3, device: 'cpu' })) {
          if (e.type === 'epoch') rss.push(process.memoryUsage().rss / 2 ** 20);
        }
        console.log(JSON.stringify(rss));
      })();`;
    const run = spawnSync(process.execPath, ['-e', script, dataset(), file('rss')], { encoding: 'utf8' });
    expect(run.status).toBe(0);
    const rss = JSON.parse(run.stdout) as number[];
    expect(rss).toHaveLength(12);
    // A leak grows with every epoch; allocator caches and fragmentation settle after warm-up. Compare
    // the mean of epochs 4-6 with that of epochs 10-12 (a single noisy sample cannot decide it).
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(rss.slice(9)) - mean(rss.slice(3, 6))).toBeLessThan(24);
  });
});
