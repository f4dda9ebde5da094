#!/usr/bin/env node
// Training throughput of gazecoder against reference PyTorch (iCatcher+'s loop, scripts/bench_train_reference.py)
// on a synthetic 100×100 dataset: seconds per step and windows per second, warm-up step excluded.
//
//   node scripts/bench-train.mjs [--arch regnet_y_16gf] [--batch-size 64] [--steps 3] [--amp off|bf16|fp16]
//                                [--channels-last] [--device cpu] [--no-reference] [--dataset DIR]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: o } = parseArgs({
  options: {
    arch: { type: 'string', default: 'regnet_y_16gf' },
    'batch-size': { type: 'string', default: '64' },
    steps: { type: 'string', default: '3' },
    amp: { type: 'string' },
    'channels-last': { type: 'boolean' },
    device: { type: 'string', default: 'cpu' },
    dataset: { type: 'string' },
    'no-reference': { type: 'boolean' },
  },
});
const batch = Number(o['batch-size']);
const steps = Number(o.steps);
const threads = Number(process.env.GAZECODER_THREADS) || cpus().length;

const work = mkdtempSync(join(tmpdir(), 'gazecoder-bench-'));
let dataset = o.dataset;
if (!dataset) {
  dataset = join(work, 'dataset');
  // Enough training windows for the steps (about 125 per 150-frame video).
  const videos = String(Math.ceil((batch * (steps + 1)) / 100) + 1);
  const made = spawnSync('/usr/bin/python3', [join(root, 'test/python/synthetic_dataset.py'), dataset, '--size', '100', '--train-videos', videos, '--val-videos', '1'], { stdio: 'inherit' });
  if (made.status !== 0) process.exit(1);
}

const require = createRequire(import.meta.url);
const { train, runtimeInfo } = require(join(root, 'packages/torch'));
const info = runtimeInfo();
const stamps = [];
const controller = new AbortController();
let start;
for await (const event of train(
  { dataset, out: join(work, 'run'), arch: o.arch, batchSize: batch, epochs: 1, device: o.device, amp: o.amp, channelsLast: o['channels-last'] },
  { signal: controller.signal },
)) {
  if (event.type === 'start') {
    start = event;
    stamps.push(performance.now());
  }
  if (event.type === 'step') {
    stamps.push(performance.now());
    if (event.step >= steps) controller.abort();
  }
}
const intervals = stamps.slice(1).map((t, i) => (t - (stamps[i] ?? t)) / 1000);
const measured = intervals.length > 1 ? intervals.slice(1) : intervals;
const ours = measured.reduce((a, b) => a + b, 0) / measured.length;

console.log(`${o.arch}, batch ${batch} windows (${batch * 5} crops of 100×100), ${steps} steps, ${start.device}, amp ${start.amp}${start.channelsLast ? ', channels_last' : ''}, ` +
  `LibTorch ${info.torchVersion}, ${info.intraOpThreads} threads, ${info.blas}`);
console.log(`gazecoder          ${ours.toFixed(2)} s/step  ${(batch / ours).toFixed(2)} samples/s`);
if (!o['no-reference']) {
  const ref = spawnSync('/usr/bin/python3', [join(root, 'scripts/bench_train_reference.py'), dataset, o.arch, String(batch), String(steps), String(threads)], { encoding: 'utf8' });
  if (ref.status !== 0) {
    console.error(ref.stderr);
    process.exit(1);
  }
  const r = JSON.parse(ref.stdout);
  console.log(`reference PyTorch  ${r.secondsPerStep.toFixed(2)} s/step  ${r.samplesPerSecond.toFixed(2)} samples/s  (iCatcher+ loop, fp32)`);
  console.log(`speed-up           ${(r.secondsPerStep / ours).toFixed(2)}×`);
}
rmSync(work, { recursive: true, force: true });
