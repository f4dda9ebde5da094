#!/usr/bin/env node
// The kill -9 fault run of `gazecoder train --checkpoint-every`: trains a tiny model once without
// interruption, then again with SIGKILL at random points, each followed by --resume (or a fresh start
// when no last.pth exists yet). After every kill, every checkpoint on disk must load with gazecoder's
// own loader (Model.loadWeights); at the end the killed run's last.pth and best.pth must equal the
// uninterrupted run's bit for bit (model, optimizer, scheduler, progress; checked in PyTorch), and its
// metrics.jsonl line for line (timings aside).
//
//   node scripts/fault-train.mjs [--kills 24 (during training; start-up kills come on top)] [--seed N] [--checkpoint-every 4] [--epochs E] [--nproc 2] [--json] [--keep]
//
// Needs the built CLI and addon (npx turbo run build) and Debian's python3 with torch (as the tests).
// test/faults-train.test.ts runs it with --kills 5 --checkpoint-every 3 --epochs 3 --json; its figures are in docs/reliability-training.md.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'test', 'package.json'));
// The bin npm linked, as `npx gazecoder` runs it (spawned directly so that signals reach the CLI's process).
const cli = join(root, 'node_modules', '.bin', 'gazecoder');
const { Model } = require('@gazecoder/torch');
// Synth's seeded generator: reproducible kill points from --seed.
const { rng } = require('@gazecoder/formats');

const TINY = 'regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25';

function parseArgs(argv) {
  const o = { kills: 24, seed: Date.now() % 2 ** 31, checkpointEvery: 4, epochs: undefined, nproc: 1, json: false, keep: false };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    const value = () => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} needs a non-negative integer`);
      return n;
    };
    if (flag === '--kills') o.kills = value();
    else if (flag === '--seed') o.seed = value();
    else if (flag === '--checkpoint-every') o.checkpointEvery = value();
    else if (flag === '--epochs') o.epochs = value();
    else if (flag === '--nproc') o.nproc = value();
    else if (flag === '--json') o.json = true;
    else if (flag === '--keep') o.keep = true;
    else throw new Error(`unknown flag ${flag}`);
  }
  // Enough steps that every kill lands before the run ends (24 steps an epoch): a life runs at most
  // three checkpoint intervals.
  o.epochs ??= Math.max(2, Math.ceil((o.kills * o.checkpointEvery * 3) / 24));
  return o;
}


function python(args) {
  const run = spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`python3 ${args[0]} failed: ${run.stderr}`);
  return run.stdout;
}

function jsonLines(text) {
  return text.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
}

/** Starts `gazecoder train` in its own process group (so that a kill reaches a job's workers too). */
function startTraining(args) {
  const child = spawn(process.execPath, [cli, 'train', ...args], { detached: true, env: { ...process.env, GAZECODER_THREADS: '1' } });
  const life = { child, stderr: '', stdout: '', started: undefined, startedAt: Date.now(), exit: undefined };
  child.stdout.setEncoding('utf8').on('data', (t) => (life.stdout += t));
  child.stderr.setEncoding('utf8').on('data', (t) => {
    life.stderr += t;
    if (life.started === undefined) {
      const start = jsonLines(life.stderr).find((e) => e.type === 'start');
      if (start !== undefined) life.started = { event: start, at: Date.now() };
    }
  });
  life.exit = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return life;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The last step number in metrics.jsonl (every step logs a line: --log-every 1). */
function lastLoggedStep(run) {
  if (!existsSync(join(run, 'metrics.jsonl'))) return 0;
  let step = 0;
  for (const line of readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n')) {
    const m = /"type":"step","epoch":\d+,"step":(\d+)/.exec(line);
    if (m) step = Math.max(step, Number(m[1]));
  }
  return step;
}

const stripTimings = (line) => line.replace(/,"samplesPerSecond":[^,}]*/g, '').replace(/,"trainSeconds":.*$/, '');

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const began = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'gazecoder-fault-train-'));
  const random = rng(o.seed);
  const report = {
    seed: o.seed, kills: 0, killsDuringStartUp: 0, lives: 0, nproc: o.nproc, checkpointEvery: o.checkpointEvery, epochs: o.epochs,
    totalSteps: 0, killedAtSteps: [], killsWithACheckpoint: 0, checkpointsLoaded: 0, loadFailures: [], tempFilesAfterKills: 0, tempFilesAtEnd: 0, maxLostSteps: 0,
    lostStepsOverLimit: 0, completed: false, bitExact: false, mismatches: [], metricsEqual: false, seconds: 0,
  };
  let model;
  try {
    const dataset = join(work, 'dataset');
    python([join(root, 'test/python/synthetic_dataset.py'), dataset, '--size', '32', '--train-videos', '2', '--val-videos', '1', '--frames', '160']);
    const flags = [
      '--arch', TINY, '--batch-size', '8', '--lr', '1e-3', '--device', 'cpu', '--seed', '5', '--workers', '1', '--horiz-flip',
      '--epochs', String(o.epochs), '--log-every', '1', '--checkpoint-every', String(o.checkpointEvery), '--json',
      ...(o.nproc > 1 ? ['--nproc', String(o.nproc)] : []),
    ];

    // The uninterrupted run, which also times a step and the start-up.
    const straight = join(work, 'straight');
    const reference = startTraining([dataset, '--out', straight, ...flags]);
    const referenceExit = await reference.exit;
    if (referenceExit.code !== 0) throw new Error(`the uninterrupted run failed: ${reference.stderr}`);
    const done = JSON.parse(reference.stdout);
    report.totalSteps = done.steps;
    const startUpMs = reference.started.at - reference.startedAt;
    const stepMs = (Date.now() - reference.started.at) / done.steps;

    // The killed run.
    model = await Model.create({ arch: TINY, kind: 'gaze', device: 'cpu' });
    const killed = join(work, 'killed');
    let pending;  // the last kill: steps logged before it, to compare with where the next life starts
    for (;;) {
      const resume = existsSync(join(killed, 'last.pth'));
      // --resume keeps the run's settings but --log-every (and --nproc, which may differ), so that is passed again.
      const resumeFlags = ['--resume', '--log-every', '1', '--json', ...(o.nproc > 1 ? ['--nproc', String(o.nproc)] : [])];
      const life = startTraining(resume ? [dataset, '--out', killed, ...resumeFlags] : [dataset, '--out', killed, ...flags]);
      report.lives += 1;
      if (report.kills - report.killsDuringStartUp >= o.kills) {
        const exit = await life.exit;
        if (exit.code !== 0) throw new Error(`the final --resume failed (${exit.code ?? exit.signal}): ${life.stderr}`);
        report.completed = true;
        takeLoss(report, pending, life, o);
        break;
      }
      // Where to kill: mostly between half a checkpoint interval and three after the life's start event
      // (a resumed life starts later than a fresh one), sometimes during start-up.
      const duringStartUp = random() < 0.15;
      const point = random();
      let exited = false;
      const ended = life.exit.then(() => (exited = true));
      if (duringStartUp) {
        await Promise.race([ended, sleep(point * startUpMs)]);
      } else {
        while (!exited && life.started === undefined) await Promise.race([ended, sleep(20)]);
        await Promise.race([ended, sleep((0.5 + 2.5 * point) * o.checkpointEvery * stepMs)]);
      }
      if (exited) throw new Error(`a life ended before its kill (after ${report.kills} kills; raise --epochs): ${life.stderr.slice(-2000)}`);
      // The CLI's process group, and with --nproc each worker's own group (the launcher starts them
      // detached, so that a terminal's Ctrl-C reaches the launcher only): all at once, as a crash would.
      // Twice: a launch line still in the pipe at the first try names its worker at the second.
      for (const pause of [0, 200]) {
        await sleep(pause);
        const workers = jsonLines(life.stderr).filter((e) => e.type === 'launch' && typeof e.pid === 'number').map((e) => e.pid);
        for (const pid of [life.child.pid, ...workers]) {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
      }
      await life.exit;
      report.kills += 1;
      if (life.started === undefined) report.killsDuringStartUp += 1;
      takeLoss(report, pending, life, o);
      // A life killed before it started leaves the previous kill's figure to the next one.
      if (life.started !== undefined || pending === undefined) pending = { loggedStep: lastLoggedStep(killed) };
      if (life.started !== undefined) report.killedAtSteps.push(lastLoggedStep(killed));

      // Every checkpoint on disk loads, whatever moment the kill hit (none yet if it hit the first
      // life's start-up before the run folder was made).
      if (existsSync(join(killed, 'last.pth'))) report.killsWithACheckpoint += 1;
      for (const name of existsSync(killed) ? readdirSync(killed) : []) {
        if (name.includes('.tmp-')) report.tempFilesAfterKills += 1;
        if (!name.endsWith('.pth')) continue;
        try {
          const loaded = await model.loadWeights(join(killed, name));
          if (loaded.interpretedAs !== 'checkpoint' || loaded.skipped.length > 0) throw new Error(`read as ${loaded.interpretedAs}, ${loaded.skipped.length} keys skipped`);
          report.checkpointsLoaded += 1;
        } catch (e) {
          report.loadFailures.push(`after kill ${report.kills}: ${name}: ${e.message}`);
        }
      }
    }
    report.tempFilesAtEnd = readdirSync(killed).filter((name) => name.includes('.tmp-')).length;

    // Bit for bit: the same tensors in last.pth (model and optimizer) and best.pth, the same progress
    // but for its timing, and the same metrics.jsonl lines but for theirs.
    const compare = [
      'import sys,json,torch',
      'a=torch.load(sys.argv[1]); b=torch.load(sys.argv[2]); bad=[]',
      'def same(x,y,at):',
      '  if isinstance(x,torch.Tensor): ok=isinstance(y,torch.Tensor) and x.dtype==y.dtype and x.shape==y.shape and torch.equal(x,y)',
      '  elif isinstance(x,dict):',
      '    ok=isinstance(y,dict) and list(x)==list(y)',
      '    if ok: [same(x[k],y[k],at+"/"+str(k)) for k in x if k!="train_seconds"]',
      '  elif isinstance(x,(list,tuple)):',
      '    ok=isinstance(y,(list,tuple)) and len(x)==len(y)',
      '    if ok: [same(p,q,at+"/"+str(i)) for i,(p,q) in enumerate(zip(x,y))]',
      '  else: ok=x==y',
      '  if not ok: bad.append(at)',
      'same(a,b,"last.pth")',
      'same(torch.load(sys.argv[3]),torch.load(sys.argv[4]),"best.pth")',
      'print(json.dumps(bad))',
    ].join('\n');
    report.mismatches = JSON.parse(python([join(root, 'test/python/run_inline.py'), compare,
      join(straight, 'last.pth'), join(killed, 'last.pth'), join(straight, 'best.pth'), join(killed, 'best.pth')]));
    report.bitExact = report.completed && report.mismatches.length === 0;
    const lines = (run) => readFileSync(join(run, 'metrics.jsonl'), 'utf8').split('\n').map(stripTimings);
    report.metricsEqual = JSON.stringify(lines(straight)) === JSON.stringify(lines(killed));
  } finally {
    model?.dispose();
    report.seconds = Math.round((Date.now() - began) / 100) / 10;
    if (!o.keep) rmSync(work, { recursive: true, force: true });
    else report.folder = work;
  }
  if (o.json) {
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } else {
    const p = report.nproc > 1 ? `data-parallel jobs of ${report.nproc} processes` : 'one process';
    console.log(`gazecoder train --checkpoint-every ${report.checkpointEvery}, ${p}, ${report.totalSteps} steps (${report.epochs} epochs), seed ${report.seed}`);
    console.log(`kills survived: ${report.kills - report.killsDuringStartUp} during training, ${report.killsDuringStartUp} more during start-up, over ${report.lives} processes`);
    console.log(`steps logged when killed: ${report.killedAtSteps.join(', ')}`);
    console.log(`checkpoints loaded after kills: ${report.checkpointsLoaded} (last.pth after ${report.killsWithACheckpoint} kills, and best.pth), failed: ${report.loadFailures.length}`);
    for (const failure of report.loadFailures) console.log(`  ${failure}`);
    console.log(`steps lost per kill: at most ${report.maxLostSteps} (limit ${report.checkpointEvery}; over it: ${report.lostStepsOverLimit})`);
    console.log(`temp files left by kills: ${report.tempFilesAfterKills}, at the end: ${report.tempFilesAtEnd}`);
    console.log(`final weights bit-exact with an uninterrupted run: ${report.bitExact ? 'yes' : `NO ${report.mismatches.join(', ')}`}; metrics.jsonl equal: ${report.metricsEqual ? 'yes' : 'NO'}`);
    console.log(`${report.seconds} s`);
  }
  const ok = report.completed && report.bitExact && report.metricsEqual && report.loadFailures.length === 0 &&
    report.lostStepsOverLimit === 0 && report.tempFilesAtEnd === 0 && report.kills - report.killsDuringStartUp >= o.kills;
  process.exitCode = ok ? 0 : 1;
}

// Steps lost to the previous kill: those logged before it that the next life must redo.
function takeLoss(report, pending, life, o) {
  if (pending === undefined || life.started === undefined) return;
  const start = life.started.event;
  const resumedAt = (start.startEpoch - 1) * start.batchesPerEpoch + start.startBatch;
  const lost = Math.max(0, pending.loggedStep - resumedAt);
  report.maxLostSteps = Math.max(report.maxLostSteps, lost);
  if (lost > o.checkpointEvery) report.lostStepsOverLimit += 1;
}

main().catch((e) => {
  console.error(`fault-train: ${e.stack ?? e}`);
  process.exit(1);
});
