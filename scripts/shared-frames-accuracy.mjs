#!/usr/bin/env node
// What shared-frame training (`gazecoder train --shared-frames K`) costs in accuracy: a benchmark, not
// a test. One synthetic Lookit dataset hard enough that the per-window recipe stays below 95 % test
// accuracy (`gazecoder synth --difficulty`), preprocessed once; then, for the same epochs and batch
// size, the per-window recipe (K = 1) and K = 4 and 16, each with and without --freeze-encoder-bn,
// trained with several seeds; each run's best.pth scored on the test split by `gazecoder test`.
// Prints (and writes with --out) a Markdown table: test accuracy mean ± sd, Cohen's κ mean ± sd,
// training wall time per run, and windows/s.
//
//   node scripts/shared-frames-accuracy.mjs [--arch A] [--seeds 1,2,3] [--epochs E] [--batch-size B]
//        [--lr X] [--difficulty D] [--videos N] [--seconds S] [--variants 1,4,4f,16,16f] [--work DIR] [--out FILE.md]
//
// Every step runs the CLI as a user would (npx gazecoder …), so the numbers are the product's.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'packages/gazecoder/bin/gazecoder.js');

const { values } = parseArgs({
  options: {
    arch: { type: 'string', default: 'regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25' },
    seeds: { type: 'string', default: '1,2,3' },
    epochs: { type: 'string', default: '6' },
    'batch-size': { type: 'string', default: '32' },
    lr: { type: 'string', default: '3e-3' },
    difficulty: { type: 'string', default: '0.8' },
    videos: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '10' },
    variants: { type: 'string', default: '1,4,4f,16,16f' },
    work: { type: 'string' },
    out: { type: 'string' },
  },
});

/** Runs the CLI; throws with its stderr when it fails. */
function gazecoder(...args) {
  const run = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (run.status !== 0) throw new Error(`gazecoder ${args.join(' ')} exited with ${run.status}:\n${run.stderr.split('\n').slice(-8).join('\n')}`);
  return run;
}

const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sd = (xs) => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((s, x) => s + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));
const log = (line) => process.stderr.write(`${line}\n`);

const work = values.work ?? mkdtempSync(join(tmpdir(), 'gazecoder-shared-accuracy-'));
mkdirSync(work, { recursive: true });
const raw = join(work, 'raw');
const dataset = join(work, 'dataset');
if (!existsSync(join(raw, 'prephys_split0_videos_detailed.tsv'))) {
  log(`synth: ${values.videos} videos of ${values.seconds} s at difficulty ${values.difficulty}`);
  gazecoder('synth', raw, '--videos', values.videos, '--seconds', values.seconds, '--difficulty', values.difficulty, '--seed', '7');
}
log('preprocess (resumes a finished one at once)');
gazecoder('preprocess', raw, dataset);
const manifest = JSON.parse(readFileSync(join(dataset, 'manifest.json'), 'utf8'));

const variants = values.variants.split(',').map((v) => ({ name: v, k: Number.parseInt(v, 10), frozen: v.endsWith('f') }));
const seeds = values.seeds.split(',').map(Number);
const results = [];
for (const variant of variants) {
  for (const seed of seeds) {
    const run = join(work, `run-${variant.name}-${seed}`);
    const flags = ['--arch', values.arch, '--epochs', values.epochs, '--batch-size', values['batch-size'], '--lr', values.lr, '--seed', String(seed), '--device', 'cpu', '--shared-frames', String(variant.k), '--json'];
    if (variant.frozen) flags.push('--freeze-encoder-bn');
    log(`train: K ${variant.k}${variant.frozen ? ', encoder BN frozen' : ''}, seed ${seed}`);
    // A run already trained (a rerun with the same --work) is scored again, with its recorded time.
    const wallFile = join(run, 'wall-seconds.json');
    if (!existsSync(wallFile)) {
      const started = performance.now();
      gazecoder('train', dataset, '--out', run, ...flags);
      writeFileSync(wallFile, JSON.stringify((performance.now() - started) / 1000));
    }
    const seconds = JSON.parse(readFileSync(wallFile, 'utf8'));
    const scored = join(run, 'test.json');
    gazecoder('test', join(run, 'best.pth'), dataset, '--split', 'test', '--json', scored);
    const { metrics } = JSON.parse(readFileSync(scored, 'utf8'));
    const epochs = readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n').filter((l) => l.includes('"type":"epoch"')).map((l) => JSON.parse(l));
    const trainSeconds = epochs.reduce((s, e) => s + e.trainSeconds, 0);
    const trainWindows = JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).data.trainWindows * epochs.length;
    results.push({ variant: variant.name, k: variant.k, frozen: variant.frozen, seed, accuracy: metrics.accuracy, kappa: metrics.cohensKappa, testWindows: metrics.samples, wallSeconds: seconds, windowsPerSecond: trainWindows / trainSeconds, perClassRecall: metrics.perClass.map((c) => c.recall) });
    log(`  test accuracy ${(100 * metrics.accuracy).toFixed(2)} %, κ ${metrics.cohensKappa.toFixed(3)}, ${seconds.toFixed(0)} s`);
  }
}

const base = results.filter((r) => r.k === 1 && !r.frozen);
const baseAccuracy = base.length ? mean(base.map((r) => r.accuracy)) : NaN;
const baseSpeed = base.length ? mean(base.map((r) => r.windowsPerSecond)) : NaN;
const lines = [
  `Dataset: \`gazecoder synth --videos ${values.videos} --seconds ${values.seconds} --difficulty ${values.difficulty} --seed 7\`, preprocessed (${manifest.videos.filter((v) => v.status === 'done').length} videos); ` +
    `${values.arch}, ${values.epochs} epochs, batch ${values['batch-size']}, lr ${values.lr}, CPU; seeds ${seeds.join(', ')}; test split ${results[0]?.testWindows ?? '?'} windows; ${new Date().toISOString()}.`,
  '',
  '| variant | test accuracy % (mean ± sd) | vs per window (points) | Cohen\'s κ (mean ± sd) | training windows/s | vs per window | wall time per run (s) |',
  '|---|---|---|---|---|---|---|',
];
for (const variant of variants) {
  const rs = results.filter((r) => r.variant === variant.name);
  const acc = rs.map((r) => 100 * r.accuracy);
  const speed = mean(rs.map((r) => r.windowsPerSecond));
  const label = variant.k === 1 ? `per window (K = 1)${variant.frozen ? ', encoder BN frozen' : ''}` : `--shared-frames ${variant.k}${variant.frozen ? ' --freeze-encoder-bn' : ''}`;
  lines.push(`| ${label} | ${mean(acc).toFixed(2)} ± ${sd(acc).toFixed(2)} | ${(mean(acc) - 100 * baseAccuracy).toFixed(2)} | ${mean(rs.map((r) => r.kappa)).toFixed(3)} ± ${sd(rs.map((r) => r.kappa)).toFixed(3)} | ${speed.toFixed(1)} | ${(speed / baseSpeed).toFixed(2)}× | ${mean(rs.map((r) => r.wallSeconds)).toFixed(0)} |`);
}
const markdown = `${lines.join('\n')}\n`;
process.stdout.write(markdown);
if (values.out) {
  writeFileSync(values.out, markdown);
  writeFileSync(values.out.replace(/\.md$/, '') + '.json', JSON.stringify({ settings: values, results }, null, 2));
}
