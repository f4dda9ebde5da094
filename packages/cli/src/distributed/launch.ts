// `gazecoder train --nproc N [--nnodes M --node-rank R --master-addr A --master-port P]`: one worker
// process per device, as torchrun launches them. The workers are this CLI again, told their place in
// the job through GAZECODER_* variables (the same facts as torchrun's RANK, WORLD_SIZE, LOCAL_RANK,
// MASTER_ADDR, MASTER_PORT), so any launcher that sets them can start a job.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';

import { runtimeInfo, type DistributedOptions } from '@gazecoder/torch';

/** The launcher's flags, as commander parses them. */
export interface LaunchFlags {
  nproc?: number;
  nnodes?: number;
  nodeRank?: number;
  masterAddr?: string;
  masterPort?: number;
  distTimeout?: number;
  device?: string;
  json?: boolean;
}

const ENV = {
  rank: 'GAZECODER_RANK',
  worldSize: 'GAZECODER_WORLD_SIZE',
  localRank: 'GAZECODER_LOCAL_RANK',
  masterAddr: 'GAZECODER_MASTER_ADDR',
  masterPort: 'GAZECODER_MASTER_PORT',
  timeout: 'GAZECODER_DIST_TIMEOUT',
  launcher: 'GAZECODER_LAUNCHER_PID',
} as const;

/** Seconds the other workers get to stop on their own (and rank 0 to save) after one has died; once
 * rank 0 has ended, the rest are killed at once. */
const GRACE_SECONDS = 60;

/** Whether these flags ask for more than this one process. */
export function wantsLaunch(flags: LaunchFlags): boolean {
  return (flags.nproc ?? 1) > 1 || (flags.nnodes ?? 1) > 1;
}

function integerFromEnv(name: string): number | undefined {
  const text = process.env[name];
  if (text === undefined || text === '') return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`${name}=${text} is not a non-negative integer`);
  return value;
}

/** This process's place in a job when a launcher started it, else undefined. */
export function workerFromEnvironment(): DistributedOptions | undefined {
  const rank = integerFromEnv(ENV.rank);
  if (rank === undefined) return undefined;
  const worldSize = integerFromEnv(ENV.worldSize);
  if (worldSize === undefined || rank >= worldSize) {
    throw new Error(`${ENV.rank}=${rank} needs ${ENV.worldSize} greater than it (got ${process.env[ENV.worldSize] ?? 'nothing'})`);
  }
  return {
    rank,
    worldSize,
    masterAddr: process.env[ENV.masterAddr] || undefined,
    masterPort: integerFromEnv(ENV.masterPort),
    timeoutSeconds: integerFromEnv(ENV.timeout),
  };
}

/**
 * Calls `onGone(pid)` once if the `gazecoder train` launcher that started this worker dies (kill -9,
 * a crash): the workers have their own process groups, so nothing else would stop them, and they would
 * go on training and writing the run folder beside a `--resume` of it. The launcher's end closes the
 * IPC channel it opened to this worker (the channel does not keep the process alive). Workers of
 * another launcher (no GAZECODER_LAUNCHER_PID, no channel, or a parent that is not the launcher) are
 * not watched. Returns the function that stops watching.
 */
export function watchLauncher(onGone: (pid: number) => void): () => void {
  const launcher = integerFromEnv(ENV.launcher);
  if (launcher === undefined || process.send === undefined) return () => {};
  const gone = (): void => onGone(launcher);
  // The channel closed already: the launcher died before this worker got here.
  if (!process.connected) {
    const soon = setImmediate(gone);
    return () => clearImmediate(soon);
  }
  // A channel to another parent (the variable inherited): not ours to watch.
  if (process.ppid !== launcher) return () => {};
  process.once('disconnect', gone);
  process.channel?.unref();
  return () => process.off('disconnect', gone);
}

/** What a launcher tells its workers when one of them has ended with a failure. */
interface PeerEndedMessage {
  type: 'peer-ended';
  failure: string;
}

function isPeerEnded(message: unknown): message is PeerEndedMessage {
  const m = message as Partial<PeerEndedMessage> | null;
  return typeof m === 'object' && m !== null && m.type === 'peer-ended' && typeof m.failure === 'string';
}

/**
 * Calls `onEnded(failure)` when this worker's launcher reports that another worker of the job has
 * ended with a failure (`rank 1 (pid 123) was killed by SIGKILL`), through the IPC channel the
 * launcher opens; the channel does not keep the process alive. Workers of another launcher (no
 * channel) are not told. Returns the function that stops listening.
 */
export function watchPeers(onEnded: (failure: string) => void): () => void {
  if (process.send === undefined) return () => {};
  const listener = (message: unknown) => {
    if (isPeerEnded(message)) onEnded(message.failure);
  };
  process.on('message', listener);
  process.channel?.unref();
  return () => process.off('message', listener);
}

/** A TCP port that was free a moment ago, for a job on this machine alone. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The device of the worker with this local rank: its own GPU, or the CPU. */
function workerDevice(device: string | undefined, localRank: number, nproc: number, gpus: number): string {
  if (device !== undefined && /^cuda:\d+$/.test(device) && nproc > 1) {
    throw new Error(`--device ${device} names one GPU; with --nproc ${nproc} use --device cuda (worker i takes cuda:i)`);
  }
  const cuda = device === 'cuda' || ((device === undefined || device === 'auto') && gpus > 0);
  if (!cuda) return device ?? 'cpu';
  if (localRank >= gpus) throw new Error(`--nproc ${nproc} needs ${nproc} GPUs; this machine has ${gpus}`);
  return `cuda:${localRank}`;
}

function checkFlags(flags: LaunchFlags): { nproc: number; nnodes: number; nodeRank: number } {
  const nproc = flags.nproc ?? 1;
  const nnodes = flags.nnodes ?? 1;
  const nodeRank = flags.nodeRank ?? 0;
  if (nodeRank >= nnodes) throw new Error(`--node-rank ${nodeRank} is outside a job of --nnodes ${nnodes} (0 to ${nnodes - 1})`);
  if (nnodes > 1 && flags.masterAddr === undefined) {
    throw new Error(`--nnodes ${nnodes} needs --master-addr: the address of the machine with --node-rank 0`);
  }
  return { nproc, nnodes, nodeRank };
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
}

/**
 * Runs this machine's workers of the job with the CLI's own arguments and resolves to the exit code
 * for the launcher: 0 when all finished, 130 when the job was stopped, 1 when a worker failed (the
 * others are then given GRACE_SECONDS to notice and end before they are killed).
 */
export async function launchWorkers(flags: LaunchFlags, argv: readonly string[] = process.argv): Promise<number> {
  const { nproc, nnodes, nodeRank } = checkFlags(flags);
  const worldSize = nproc * nnodes;
  const masterAddr = flags.masterAddr ?? '127.0.0.1';
  const masterPort = flags.masterPort ?? (nnodes === 1 ? await freePort() : 29500);
  const gpus = runtimeInfo().gpus.length;
  const devices = Array.from({ length: nproc }, (_, i) => workerDevice(flags.device, i, nproc, gpus));
  // As torchrun does: CPU workers share the cores instead of each taking all of them.
  const threads = process.env.GAZECODER_THREADS ?? String(Math.max(1, Math.floor(availableParallelism() / nproc)));
  const asJson = flags.json === true || !process.stderr.isTTY;
  const say = (line: string, fields: Record<string, unknown>) =>
    process.stderr.write(asJson ? `${JSON.stringify({ type: 'launch', ...fields })}\n` : `${line}\n`);

  const workers: { rank: number; child: ChildProcess; exited: boolean }[] = [];
  const named = (w: (typeof workers)[number]) => `rank ${w.rank} (pid ${w.child.pid})`;
  let failure: string | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let signals = 0;
  const killAll = (signal: NodeJS.Signals) => {
    for (const w of workers) if (!w.exited) w.child.kill(signal);
  };
  // The workers have their own process groups: a terminal's Ctrl-C reaches this launcher only, which
  // passes one SIGTERM on (each worker then stops after its step, rank 0 writing last.pth).
  const onSignal = () => {
    signals += 1;
    killAll(signals > 1 ? 'SIGKILL' : 'SIGTERM');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const finished = new Promise<void>((resolve) => {
    let remaining = nproc;
    const onExit = (worker: (typeof workers)[number], code: number | null, signal: NodeJS.Signals | null) => {
      if (worker.exited) return;
      worker.exited = true;
      const failed = signal !== null || (code !== 0 && code !== 130);
      if (failed && failure === undefined) {
        failure = `${named(worker)} ${describeExit(code, signal)}`;
        killTimer = setTimeout(() => {
          const stuck = workers.filter((w) => !w.exited).map(named);
          process.stderr.write(`gazecoder: ${stuck.join(', ')} did not end within ${GRACE_SECONDS} s of the failure; killing ${stuck.length > 1 ? 'them' : 'it'}\n`);
          killAll('SIGKILL');
        }, GRACE_SECONDS * 1000);
        // A collective waiting on the dead worker could otherwise wait out --dist-timeout (a Gloo send
        // does); told, the others fail it at once and rank 0 writes last.pth.
        const message: PeerEndedMessage = { type: 'peer-ended', failure };
        for (const w of workers) if (!w.exited && w.child.connected) w.child.send(message, () => {});
      }
      // Rank 0 has saved what it could: a worker still running now is stuck (e.g. stopped).
      if (failure !== undefined && worker.rank === 0) killAll('SIGKILL');
      remaining -= 1;
      if (remaining === 0) resolve();
    };
    for (let localRank = 0; localRank < nproc; localRank += 1) {
      const rank = nodeRank * nproc + localRank;
      const leader = rank === 0;
      const child = spawn(process.execPath, [...process.execArgv, ...argv.slice(1), '--device', devices[localRank] as string], {
        env: {
          ...process.env,
          GAZECODER_THREADS: threads,
          [ENV.rank]: String(rank),
          [ENV.worldSize]: String(worldSize),
          [ENV.localRank]: String(localRank),
          [ENV.masterAddr]: masterAddr,
          [ENV.masterPort]: String(masterPort),
          [ENV.launcher]: String(process.pid),
          ...(flags.distTimeout !== undefined ? { [ENV.timeout]: String(flags.distTimeout) } : {}),
        },
        // Rank 0 reports the run; the others speak only when something goes wrong, prefixed.
        stdio: ['ignore', leader ? 'inherit' : 'ignore', leader ? 'inherit' : 'pipe', 'ipc'],
        detached: true,
      });
      const worker = { rank, child, exited: false };
      workers.push(worker);
      child.stderr?.setEncoding('utf8');
      child.stderr?.on('data', (text: string) => {
        for (const line of text.split('\n')) if (line !== '') process.stderr.write(`[rank ${rank}] ${line}\n`);
      });
      child.once('error', (error) => {
        failure ??= `rank ${rank} could not start: ${error.message}`;
        onExit(worker, 1, null);
      });
      child.once('exit', (code, signal) => onExit(worker, code, signal));
      say(`started rank ${rank} of ${worldSize} (pid ${child.pid}) on ${devices[localRank]}`, {
        rank,
        worldSize,
        pid: child.pid ?? null,
        device: devices[localRank],
        masterAddr,
        masterPort,
      });
    }
  });
  try {
    await finished;
  } finally {
    clearTimeout(killTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (failure !== undefined) {
    throw new Error(`${failure}; the job stopped. Continue it with --resume (with any --nproc) once the cause is fixed`);
  }
  const leader = workers.find((w) => w.rank === nodeRank * nproc);
  return leader?.child.exitCode === 130 || signals > 0 ? 130 : 0;
}
