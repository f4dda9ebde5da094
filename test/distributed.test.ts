// `gazecoder train --nproc / --nnodes`: data-parallel jobs of real worker processes joined by c10d
// (Gloo over loopback), against one process on the same global batch.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { TrainEvent, TrainStartEvent } from '@gazecoder/formats';
import { runtimeInfo } from '@gazecoder/torch';

import { GAZECODER_BIN, gazecoder, python, tempDir, type RunResult } from './helpers/run';

const TINY = 'regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25';
// SGD: a gradient that differs shows in the weights (Adam's steps are bounded by lr whatever the gradient).
const SGD = ['--arch', TINY, '--optimizer', 'sgd', '--lr', '1e-2', '--device', 'cpu', '--seed', '3', '--json'];
const haveGloo = runtimeInfo().distributedBackends.includes('gloo');
// Set-up installs libgloo-dev: with its headers present, an addon without Gloo is a broken build, and
// these suites then run (and fail) instead of being skipped.
const glooInstalled = existsSync('/usr/include/gloo');
const describeGloo = haveGloo || glooInstalled ? describe : describe.skip;

let dir: { path: string; cleanup: () => void };
const file = (...parts: string[]) => join(dir.path, ...parts);
const dataset = () => file('dataset');

function jsonLines<T = Record<string, unknown>>(text: string): T[] {
  return text.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as T);
}

/** Runs the CLI asynchronously (several may run at once, as the machines of one job). */
function gazecoderAsync(args: string[], onStderr?: (text: string, child: ReturnType<typeof spawn>) => void): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(GAZECODER_BIN, args, { env: { ...process.env, GAZECODER_THREADS: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => {
      stderr += text;
      onStderr?.(stderr, child);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The largest |a − b| over the floating-point tensors of two runs' last.pth, and their largest |b|. */
function weightDifference(a: string, b: string): { diff: number; scale: number } {
  const compare =
    'import sys,json,torch; a=torch.load(sys.argv[1])["model"]; b=torch.load(sys.argv[2])["model"]; assert list(a)==list(b); ' +
    'f=[k for k in a if a[k].is_floating_point()]; ' +
    'print(json.dumps({"diff": max((a[k]-b[k]).abs().max().item() for k in f), "scale": max(b[k].abs().max().item() for k in f)}))';
  const result = python('run_inline.py', compare, a, b);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as { diff: number; scale: number };
}

function epochLines(run: string): { trainLoss: number; valLoss: number; valAccuracy: number }[] {
  return jsonLines(readFileSync(join(run, 'metrics.jsonl'), 'utf8')).filter((m) => m.type === 'epoch') as never;
}

beforeAll(() => {
  dir = tempDir('distributed');
  const made = python('synthetic_dataset.py', dataset(), '--size', '32', '--train-videos', '3', '--val-videos', '2', '--frames', '150');
  expect(made.code).toBe(0);
});
afterAll(() => dir.cleanup());

describeGloo('gazecoder train --nproc', () => {
  it('has the c10d Gloo backend in the addon', () => {
    const backends = runtimeInfo().distributedBackends;
    if (!backends.includes('gloo')) {
      throw new Error(`/usr/include/gloo exists (libgloo-dev), but the addon was built without c10d Gloo (backends: [${backends.join(', ')}]); rebuild it with node native/scripts/build.mjs and see cmake's 'gazecoder: c10d gloo' line`);
    }
  });

  it('trains two processes with synchronized BatchNorm as one process on the global batch', async () => {
    const flags = [...SGD, '--batch-size', '64', '--epochs', '1'];  // 5 steps of 64 (the last one 22) windows
    const single = await gazecoderAsync(['train', dataset(), '--out', file('one'), ...flags]);
    expect(single.code).toBe(0);
    const job = await gazecoderAsync(['train', dataset(), '--out', file('two'), ...flags, '--nproc', '2', '--sync-batch-norm']);
    expect(job.stderr).not.toMatch(/\[rank 1\]/);  // the other worker is silent when all goes well
    expect(job.code).toBe(0);
    const launches = jsonLines(job.stderr).filter((e) => e.type === 'launch');
    expect(launches.map((e) => e.rank)).toEqual([0, 1]);
    const start = jsonLines(job.stderr).find((e) => e.type === 'start');
    expect(start).toMatchObject({ rank: 0, worldSize: 2, backend: 'gloo', batchesPerEpoch: 5 });
    expect(JSON.parse(job.stdout)).toMatchObject({ type: 'done', reason: 'completed', steps: 5 });

    const { diff, scale } = weightDifference(file('two', 'last.pth'), file('one', 'last.pth'));
    expect(scale).toBeGreaterThan(0.1);
    expect(diff).toBeLessThan(1e-4);  // float summation order only
    const [one] = epochLines(file('one'));
    const [two] = epochLines(file('two'));
    expect(two?.trainLoss).toBeCloseTo(one?.trainLoss ?? NaN, 5);
    expect(two?.valLoss).toBeCloseTo(one?.valLoss ?? NaN, 5);
    expect(two?.valAccuracy).toBe(one?.valAccuracy);
    // Rank 0 alone wrote the run folder, and says how the job ran.
    expect(readdirSync(file('two')).sort()).toEqual(['best.pth', 'config.json', 'last.pth', 'metrics.jsonl']);
    expect(JSON.parse(readFileSync(file('two', 'config.json'), 'utf8')).distributed).toEqual({ worldSize: 2, backend: 'gloo', syncBatchNorm: true });
  });

  it('splits shared-frame batches across two processes and trains as one process does', async () => {
    // The image encoder's BatchNorm frozen and the rest synchronized, a frame held by both ranks (its
    // clip split between them) gets the sum of both ranks' gradients: what one process computes.
    const flags = [...SGD, '--batch-size', '64', '--epochs', '1', '--shared-frames', '8', '--freeze-encoder-bn'];
    const single = await gazecoderAsync(['train', dataset(), '--out', file('shared-one'), ...flags]);
    expect(single.code).toBe(0);
    const job = await gazecoderAsync(['train', dataset(), '--out', file('shared-two'), ...flags, '--nproc', '2', '--sync-batch-norm']);
    expect(job.stderr).not.toMatch(/\[rank 1\]/);
    expect(job.code).toBe(0);
    const { diff, scale } = weightDifference(file('shared-two', 'last.pth'), file('shared-one', 'last.pth'));
    expect(scale).toBeGreaterThan(0.1);
    expect(diff).toBeLessThan(1e-4);
    const [one] = epochLines(file('shared-one'));
    const [two] = epochLines(file('shared-two'));
    expect(two?.trainLoss).toBeCloseTo(one?.trainLoss ?? NaN, 5);
    expect(JSON.parse(readFileSync(file('shared-two', 'config.json'), 'utf8')).samples.sharedFrames).toBe(8);
  });

  it('joins machines with --nnodes / --node-rank / --master-addr (two launchers on loopback)', async () => {
    const flags = [...SGD, '--batch-size', '64', '--epochs', '1', '--nnodes', '2', '--master-addr', '127.0.0.1', '--master-port', '29731', '--sync-batch-norm'];
    const [first, second] = await Promise.all([
      gazecoderAsync(['train', dataset(), '--out', file('nodes'), ...flags, '--node-rank', '0']),
      gazecoderAsync(['train', dataset(), '--out', file('nodes-other'), ...flags, '--node-rank', '1']),
    ]);
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    expect(existsSync(file('nodes-other'))).toBe(false);  // only rank 0's machine writes
    expect(weightDifference(file('nodes', 'last.pth'), file('one', 'last.pth')).diff).toBeLessThan(1e-4);
  });

  it("a checkpoint write that fails on rank 0 ends the other machine's worker with rank 0's error, the previous last.pth intact", async () => {
    // The --nnodes run above: its last.pth (step 5) is resumed as a job of two machines with
    // --checkpoint-every 2, the first one under a file-size limit of half that file (ulimit -f counts
    // KiB), which fails rank 0's write at step 6. Rank 1 writes nothing; it learns of the failure from rank 0.
    const last = file('nodes', 'last.pth');
    const before = readFileSync(last);
    const kib = Math.floor(before.length / 1024 / 2);
    const flags = ['--resume', '--epochs', '2', '--checkpoint-every', '2', '--nnodes', '2', '--master-addr', '127.0.0.1', '--master-port', '29733', '--device', 'cpu', '--json'];
    const limited = (out: string, nodeRank: string, limit: string) =>
      new Promise<RunResult & { signal: NodeJS.Signals | null }>((resolve) => {
        const child = spawn('bash', ['-c', `ulimit -f ${limit}; exec "$0" "$@"`, GAZECODER_BIN, 'train', dataset(), '--out', out, ...flags, '--node-rank', nodeRank], {
          env: { ...process.env, GAZECODER_THREADS: '1' },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
        child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
        child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
      });
    const [first, second] = await Promise.all([limited(file('nodes'), '0', String(kib)), limited(file('nodes-other'), '1', 'unlimited')]);
    const failure = `cannot write the checkpoint: ${last}: writing ${last}.tmp-`;
    const kept = `File too large; the previous ${last} (step 5) is unchanged`;
    expect(first.signal).toBeNull();  // SIGXFSZ is ignored: the write fails with EFBIG instead
    expect(first.code).toBe(1);
    expect(first.stderr).toContain(failure);
    expect(first.stderr).toContain(kept);
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/\[rank 1\] gazecoder: rank 0: cannot write the checkpoint: /);
    expect(second.stderr).toContain(kept);
    expect(second.stderr).not.toMatch(/another process of the job died/);
    expect(readFileSync(last).equals(before)).toBe(true);
    expect(readdirSync(file('nodes')).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('stops the whole job with a message when a worker is killed, and resumes with another number of processes', async () => {
    const out = file('killed');
    let rank1: number | undefined;
    let killed = false;
    const job = await gazecoderAsync(['train', dataset(), '--out', out, ...SGD, '--batch-size', '16', '--epochs', '20', '--nproc', '2'], (stderr, child) => {
      const events = jsonLines(stderr);
      rank1 ??= events.find((e) => e.type === 'launch' && e.rank === 1)?.pid as number | undefined;
      if (!killed && rank1 !== undefined && events.some((e) => e.type === 'step' && (e.step as number) >= 3)) {
        killed = true;
        process.kill(rank1, 'SIGKILL');
      }
      void child;
    });
    expect(killed).toBe(true);
    expect(job.code).toBe(1);
    expect(job.stderr).toContain(`gazecoder: rank 1 (pid ${rank1}) was killed by SIGKILL; the job stopped. Continue it with --resume`);
    expect(job.stderr).toMatch(/rank 0: a .* failed: another process of the job died/);
    // Rank 0 ended on its own (a Gloo send to the dead rank once waited until the launcher's kill).
    expect(job.stderr).not.toMatch(/did not end within/);
    const stepsDone = Math.max(...jsonLines(job.stderr).filter((e) => e.type === 'step').map((e) => e.step as number));

    // last.pth is whole: it loads in PyTorch and holds every step rank 0 reported.
    const saved = python('run_inline.py', 'import sys,torch; print(torch.load(sys.argv[1])["progress"]["step"])', join(out, 'last.pth'));
    expect(saved.stderr).toBe('');
    expect(Number(saved.stdout)).toBeGreaterThanOrEqual(stepsDone);

    const resumed = await gazecoderAsync(['train', dataset(), '--out', out, '--resume', '--epochs', '2', '--device', 'cpu', '--json']);
    expect(resumed.code).toBe(0);
    const start = jsonLines<TrainEvent>(resumed.stderr).find((e): e is TrainStartEvent => e.type === 'start');
    if (start === undefined) throw new Error(`no start event in ${resumed.stderr}`);
    expect(start.worldSize).toBe(1);
    expect((start.startEpoch - 1) * start.batchesPerEpoch + start.startBatch).toBe(Number(saved.stdout));
    expect(JSON.parse(resumed.stdout)).toMatchObject({ reason: 'completed', epochs: 2 });
    expect(epochLines(out)).toHaveLength(2);
  });
});

/** Starts a 2-process job and calls `act(rank1Pid, launcher)` once rank 0 has reported step 3 or later. */
function jobWith(out: string, extra: string[], act: (rank1: number, launcher: ReturnType<typeof spawn>) => void): Promise<RunResult> {
  let done = false;
  return gazecoderAsync(['train', dataset(), '--out', out, ...SGD, '--batch-size', '16', '--epochs', '20', '--nproc', '2', ...extra], (stderr, child) => {
    const events = jsonLines(stderr);
    const rank1 = events.find((e) => e.type === 'launch' && e.rank === 1)?.pid as number | undefined;
    if (!done && rank1 !== undefined && events.some((e) => e.type === 'step' && (e.step as number) >= 3)) {
      done = true;
      act(rank1, child);
    }
  });
}

describeGloo('gazecoder train --nproc: stopping', () => {
  it('a hung worker fails the job after --dist-timeout, with the checkpoint written', async () => {
    const out = file('hung');
    let stopped = 0;
    const job = await jobWith(out, ['--dist-timeout', '3'], (rank1) => {
      stopped = rank1;
      process.kill(rank1, 'SIGSTOP');
    });
    expect(stopped).toBeGreaterThan(0);
    expect(job.code).toBe(1);
    expect(job.stderr).toMatch(/rank 0: a .* failed: another process of the job died, hung past the timeout/);
    expect(job.stderr).toMatch(/last\.pth holds the run up to step \d+; continue it with --resume/);
    expect(() => process.kill(stopped, 0)).toThrow();  // the launcher killed the stuck worker
  });

  it('kill -9 of the launcher stops its workers too (they have their own process groups), rank 0 writing last.pth', async () => {
    const out = file('orphaned');
    const job = await jobWith(out, [], (_rank1, launcher) => launcher.kill('SIGKILL'));
    // The job's output ends when rank 0, which shares the launcher's stderr, has exited.
    expect(job.code).toBeNull();
    const workers = jsonLines(job.stderr).filter((e) => e.type === 'launch').map((e) => e.pid as number);
    expect(workers).toHaveLength(2);
    const deadline = Date.now() + 10_000;
    const alive = () => workers.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    while (alive().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive()).toEqual([]);
    const done = jsonLines(job.stderr).find((e) => e.type === 'done');
    expect(done).toMatchObject({ reason: 'aborted', lastCheckpoint: join(out, 'last.pth') });
    const saved = python('run_inline.py', 'import sys,torch; print(torch.load(sys.argv[1])["progress"]["step"])', join(out, 'last.pth'));
    expect(Number(saved.stdout)).toBe(done?.steps);
  });

  it('SIGTERM to the launcher stops every worker after the same step and rank 0 writes last.pth', async () => {
    const out = file('terminated');
    const job = await jobWith(out, [], (_rank1, launcher) => launcher.kill('SIGTERM'));
    expect(job.code).toBe(130);
    const done = JSON.parse(job.stdout) as Extract<TrainEvent, { type: 'done' }>;
    expect(done).toMatchObject({ reason: 'aborted', lastCheckpoint: join(out, 'last.pth') });
    const saved = python('run_inline.py', 'import sys,torch; print(torch.load(sys.argv[1])["progress"]["step"])', join(out, 'last.pth'));
    expect(Number(saved.stdout)).toBe(done.steps);
  });
});

describe('gazecoder train --nproc: flags that cannot work', () => {
  it.each([
    [['--sync-batch-norm'], '--sync-batch-norm applies to a job of several processes'],
    [['--node-rank', '1'], '--node-rank needs --nnodes'],
    [['--nnodes', '2'], '--nnodes 2 needs --master-addr'],
    [['--nnodes', '2', '--node-rank', '2', '--master-addr', '127.0.0.1'], '--node-rank 2 is outside a job of --nnodes 2'],
    [['--nproc', '2', '--device', 'cuda:0'], '--device cuda:0 names one GPU; with --nproc 2 use --device cuda'],
    [['--nproc', '2', '--batch-size', '3'], '--batch-size 3 is too small for 2 processes'],
  ])('%j', (flags, message) => {
    const result = gazecoder('train', dataset(), '--out', file('bad'), '--arch', TINY, ...flags);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(message);
    expect(existsSync(join(file('bad'), 'last.pth'))).toBe(false);
  });
});
