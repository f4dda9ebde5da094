// Runs video tasks in N worker processes. A process per worker (not a thread) because OpenCV's Node
// binding is not context-aware, and because a native crash on a bad video then costs one video, not
// the run: the task is reported failed and a fresh worker takes the next one.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

import type { DetectorSpec } from '../detect/detector';
import type { ProcessSettings, VideoResult, VideoTask } from './process-video';
import type { FromWorker, ToWorker } from './worker-protocol';

export interface PoolEvents {
  started(task: VideoTask): void;
  progress(id: string, frame: number, expected: number): void;
  done(task: VideoTask, result: VideoResult): Promise<void>;
  failed(task: VideoTask, error: string): Promise<void>;
}

export interface PoolOptions {
  jobs: number;
  detector: DetectorSpec;
  settings: ProcessSettings;
}

const WORKER_SCRIPT = join(__dirname, 'worker.js');

/** Processes every task; resolves when all are done or failed, rejects if no worker can start. */
export function runWorkerPool(tasks: readonly VideoTask[], options: PoolOptions, events: PoolEvents): Promise<void> {
  const queue = [...tasks];
  const slots = Math.max(1, Math.min(options.jobs, queue.length));
  const openCvThreads = slots > 1 ? 1 : -1; // -1: OpenCV's default (all cores)
  let active = 0;
  let fatal: Error | undefined;

  return new Promise((resolve, reject) => {
    const finishIfIdle = (): void => {
      if (active > 0) return;
      if (fatal) reject(fatal);
      else resolve();
    };

    const startWorker = (): void => {
      active += 1;
      let current: VideoTask | undefined;
      let settled = false;
      const child: ChildProcess = fork(WORKER_SCRIPT, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
      // A worker that is gone cannot be written to; its 'exit' handler settles its task.
      const post = (message: ToWorker): void => {
        if (child.connected) child.send(message);
      };
      const stop = (): void => {
        settled = true;
        if (child.connected) child.disconnect();
      };
      const next = (): void => {
        current = fatal ? undefined : queue.shift();
        if (!current) {
          stop();
          return;
        }
        events.started(current);
        post({ type: 'job', task: current });
      };
      // Reports run one after another, so the manifest sees them in order.
      let reporting = Promise.resolve();
      child.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'ready':
            next();
            break;
          case 'fatal':
            fatal ??= new Error(message.error);
            stop();
            break;
          case 'progress':
            events.progress(message.id, message.frame, message.expected);
            break;
          case 'done':
          case 'failed': {
            const task = current as VideoTask;
            current = undefined;
            reporting = reporting.then(() => (message.type === 'done' ? events.done(task, message.result) : events.failed(task, message.error))).then(next, (error: unknown) => {
              fatal ??= error instanceof Error ? error : new Error(String(error));
              next();
            });
            break;
          }
        }
      });
      let ended = false;
      const end = (why: string): void => {
        if (ended) return;
        ended = true;
        reporting = reporting
          .then(async () => {
            if (!current) return;
            const task = current;
            current = undefined;
            const detail = stderr.trim().split('\n').pop();
            await events.failed(task, `${task.video}: the worker process died (${why}) while processing it${detail ? `: ${detail}` : ''}`);
          })
          .catch((error: unknown) => {
            fatal ??= error instanceof Error ? error : new Error(String(error));
          })
          .then(() => {
            active -= 1;
            // A worker that died mid-run is replaced while work remains.
            if (!settled && !fatal && queue.length > 0) startWorker();
            finishIfIdle();
          });
      };
      child.on('exit', (code, signal) => end(signal ? `signal ${signal}` : `exit code ${code}`));
      child.on('error', (error) => {
        // Only a process that never started misses its 'exit' event.
        if (child.pid === undefined) {
          fatal ??= new Error(`cannot start a worker process (${WORKER_SCRIPT}): ${error.message}`);
          end('not started');
        }
      });
      post({ type: 'init', detector: options.detector, settings: options.settings, openCvThreads });
    };

    if (queue.length === 0) {
      resolve();
      return;
    }
    for (let i = 0; i < slots; i += 1) startWorker();
  });
}
