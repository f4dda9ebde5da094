// Faults of long trainings: `gazecoder train --checkpoint-every` killed with SIGKILL at random points
// and resumed (scripts/fault-train.mjs, here in its CI size), and a checkpoint write that fails under a
// file-size limit.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Model } from '@gazecoder/torch';

import { GAZECODER_BIN, gazecoder, python, tempDir } from './helpers/run';

const TINY = 'regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25';
const script = join(__dirname, '..', 'scripts', 'fault-train.mjs');

interface FaultReport {
  seed: number;
  kills: number;
  killsDuringStartUp: number;
  lives: number;
  checkpointEvery: number;
  totalSteps: number;
  killsWithACheckpoint: number;
  checkpointsLoaded: number;
  loadFailures: string[];
  tempFilesAtEnd: number;
  maxLostSteps: number;
  lostStepsOverLimit: number;
  completed: boolean;
  bitExact: boolean;
  mismatches: string[];
  metricsEqual: boolean;
  seconds: number;
}

let dir: { path: string; cleanup: () => void };
const file = (...parts: string[]) => join(dir.path, ...parts);

beforeAll(() => {
  dir = tempDir('faults-train');
  const made = python('synthetic_dataset.py', file('dataset'), '--size', '32', '--train-videos', '2', '--val-videos', '1', '--frames', '160');
  expect(made.stderr).toBe('');
  expect(made.code).toBe(0);
});
afterAll(() => dir.cleanup());

describe('gazecoder train --checkpoint-every under faults', () => {
  it('survives kill -9 at random points: every checkpoint loads, and the resumed run ends bit for bit as an uninterrupted one', () => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const run = spawnSync(process.execPath, [script, '--kills', '5', '--checkpoint-every', '3', '--epochs', '3', '--seed', String(seed), '--json'], {
      encoding: 'utf8',
      timeout: 400_000,
    });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as FaultReport;
    console.log(
      `fault-train (seed ${report.seed}): ${report.kills - report.killsDuringStartUp} kills survived during training and ${report.killsDuringStartUp} during start-up, over ${report.lives} processes, ` +
        `${report.totalSteps} steps; ${report.checkpointsLoaded} checkpoints loaded after kills (last.pth after ${report.killsWithACheckpoint}), ${report.loadFailures.length} failed; ` +
        `at most ${report.maxLostSteps} steps lost per kill (--checkpoint-every ${report.checkpointEvery}); ` +
        `bit-exact: ${report.bitExact}, metrics.jsonl equal: ${report.metricsEqual}; ${report.seconds} s`,
    );
    expect(report.loadFailures).toEqual([]);
    expect(report.kills - report.killsDuringStartUp).toBeGreaterThanOrEqual(5);
    // last.pth (and best.pth once an epoch ended) after every kill but those before the first checkpoint.
    expect(report.killsWithACheckpoint).toBeGreaterThanOrEqual(1);
    expect(report.checkpointsLoaded).toBeGreaterThanOrEqual(report.killsWithACheckpoint);
    expect(report.completed).toBe(true);
    expect(report.mismatches).toEqual([]);
    expect(report.bitExact).toBe(true);
    expect(report.metricsEqual).toBe(true);
    expect(report.maxLostSteps).toBeLessThanOrEqual(report.checkpointEvery);
    expect(report.lostStepsOverLimit).toBe(0);
    expect(report.tempFilesAtEnd).toBe(0);
    expect(run.status).toBe(0);
  });

  it('a checkpoint write past the file-size limit keeps the previous checkpoint and ends with an error naming the file', async () => {
    const out = file('limited');
    const flags = ['--arch', TINY, '--batch-size', '8', '--lr', '1e-3', '--device', 'cpu', '--seed', '2', '--workers', '1', '--json'];
    const first = gazecoder('train', file('dataset'), '--out', out, ...flags, '--epochs', '1');
    expect(first.code).toBe(0);
    const last = join(out, 'last.pth');
    const before = readFileSync(last);
    const steps = (JSON.parse(first.stdout) as { steps: number }).steps;

    // ulimit -f counts KiB: half of last.pth, so that its next write fails (config.json and
    // metrics.jsonl stay far below the limit).
    const kib = Math.floor(before.length / 1024 / 2);
    const limited = spawnSync('bash', ['-c', `ulimit -f ${kib}; exec "${GAZECODER_BIN}" train "$0" --out "$1" --resume --epochs 2 --checkpoint-every 2 --json`, file('dataset'), out], {
      encoding: 'utf8',
    });
    expect(limited.signal).toBeNull();  // not killed by SIGXFSZ
    expect(limited.status).toBe(1);
    expect(limited.stderr).toContain(`gazecoder: cannot write the checkpoint: ${last}: writing ${last}.tmp-`);
    expect(limited.stderr).toContain(`File too large; the previous ${last} (step ${steps}) is unchanged`);

    expect(readFileSync(last).equals(before)).toBe(true);
    expect(readdirSync(out).filter((name) => name.includes('.tmp-'))).toEqual([]);
    await using model = await Model.create({ arch: TINY, kind: 'gaze', device: 'cpu' });
    expect((await model.loadWeights(last)).interpretedAs).toBe('checkpoint');

    // Without the limit the run continues from that checkpoint.
    const resumed = gazecoder('train', file('dataset'), '--out', out, '--resume', '--epochs', '2', '--json');
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`"startEpoch":2,"startBatch":0`);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ reason: 'completed', epochs: 2 });
  });
});
