// The main process's side of the frame worker (frame-worker.ts): one worker process per host process,
// started by the first annotate run and kept while runs follow (closed after IDLE_MS without one),
// probes videos, decodes, detects faces, crops and normalises every frame off the event loop, and
// streams the frames back in chunks through a bounded queue: the worker runs at most QUEUE_DEPTH
// chunks ahead of the model, so that it prepares chunks k+1 and k+2 while the model runs chunk k, and
// memory stays bounded whatever the video's length.
//
// A process, not a worker thread: OpenCV's Node binding keeps its classes in process-wide statics
// and is not context-aware, so OpenCV used on two threads of one process at once crashes it (a
// segfault within seconds); a host's own OpenCV calls on the main thread stay safe this way, and a
// native crash on a bad video costs that video, not the host. It is kept between runs, and ffprobe
// runs from it, because forking the host (the addon and LibTorch loaded) blocks its event loop for
// 20–30 ms each time.
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';

import type { Mat } from '@u4/opencv4nodejs';
import { opencv } from '@gazecoder/opencv';
import { VideoError, type DetectorSpec, type FaceClassifierSpec, type VideoProbe } from '@gazecoder/preprocess';

import { noStageTimes, unpackChunk, type FrameInput, type FrameReaderOptions, type StageTimes } from './frame-inputs';
import type { FromFrameWorker, ToFrameWorker } from './frame-protocol';

const WORKER_SCRIPT = join(__dirname, 'frame-worker.js');

/** Chunks the worker may prepare ahead of the one the model is running. */
export const QUEUE_DEPTH = 2;
/** An idle worker goes away after this long. */
const IDLE_MS = 30_000;
/** A worker that has not gone this long after SIGTERM is killed. */
const KILL_AFTER_MS = 5_000;

type Deliver = (message: FromFrameWorker) => void;

function errorFrom(error: { message: string; file?: string }, file?: string): Error {
  if (file === undefined && error.file === undefined) return new Error(error.message);
  const named = new VideoError(error.file ?? (file as string), '');
  // The worker's message names the file already when it was a VideoError.
  named.message = error.file === undefined ? `${file}: ${error.message}` : error.message;
  return named;
}

export class FramePipeline {
  #starting: Promise<ChildProcess> | undefined;
  readonly #jobs = new Map<number, Deliver>();
  #nextId = 0;
  #active = 0;
  #idle: NodeJS.Timeout | undefined;

  /**
   * `input`: a stream piped into the worker's stdin, which it reads as `pipe:0` (a pipeline of its
   * own for one stream source, closed after; the shared one, framePipeline(), reads files and URLs).
   */
  constructor(private readonly input?: Readable) {}

  /** Idle, the worker does not keep the host's process alive; a request in flight does. */
  #hold(child: ChildProcess, held: boolean): void {
    // The process, its IPC channel and the stderr pipe are three handles.
    const handles = [child, child.channel, child.stderr] as Array<{ ref(): void; unref(): void } | null | undefined>;
    for (const handle of handles) {
      if (held) handle?.ref();
      else handle?.unref();
    }
  }

  #worker(): Promise<ChildProcess> {
    this.#starting ??= new Promise<ChildProcess>((resolve) => {
      const child = fork(WORKER_SCRIPT, [], { stdio: [this.input ? 'pipe' : 'ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
      if (this.input && child.stdin) {
        // The worker stops reading when it is done or cancelled: the pipe's end is no error.
        child.stdin.on('error', () => {});
        this.input.pipe(child.stdin);
      }
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2000)));
      let gone = false;
      const stopped = (why: string): void => {
        if (gone) return;
        gone = true;
        // The next request starts a fresh worker.
        if (this.#starting === started) this.#starting = undefined;
        const detail = stderr.trim().split('\n').pop();
        const message = `the frame worker process stopped (${why})${detail ? `: ${detail}` : ''}`;
        for (const [id, deliver] of this.#jobs) deliver({ type: 'error', id, error: { message } });
      };
      child.on('message', (message: FromFrameWorker) => this.#jobs.get(message.id)?.(message));
      child.on('exit', (code, signal) => stopped(signal ? `signal ${signal}` : `exit code ${code}`));
      child.on('error', (error) => {
        // Only a process that never started misses its 'exit' event.
        if (child.pid === undefined) stopped(`cannot start ${WORKER_SCRIPT}: ${error.message}`);
      });
      resolve(child);
    });
    const started = this.#starting;
    return started;
  }

  /** Runs `body` with a request id whose answers go to `deliver`, the worker held meanwhile. */
  async #session<T>(deliver: Deliver, body: (child: ChildProcess, id: number, post: (message: ToFrameWorker) => void) => Promise<T>): Promise<T> {
    clearTimeout(this.#idle);
    const child = await this.#worker();
    const id = (this.#nextId += 1);
    this.#jobs.set(id, deliver);
    if ((this.#active += 1) === 1) this.#hold(child, true);
    const post = (message: ToFrameWorker): void => {
      if (child.connected) child.send(message);
      else deliver({ type: 'error', id, error: { message: 'the frame worker process has gone' } });
    };
    try {
      return await body(child, id, post);
    } finally {
      this.#jobs.delete(id);
      if ((this.#active -= 1) === 0) {
        this.#hold(child, false);
        this.#idle = setTimeout(() => void this.close(), IDLE_MS).unref();
      }
    }
  }

  /** One request answered by one message. */
  #ask<T>(request: (id: number) => ToFrameWorker, answer: (message: FromFrameWorker) => T | undefined, file?: string): Promise<T> {
    let settle: Deliver = () => {};
    const answered = new Promise<T>((resolve, reject) => {
      settle = (message) => {
        if (message.type === 'error') reject(errorFrom(message.error, file));
        else {
          const value = answer(message);
          if (value !== undefined) resolve(value);
        }
      };
    });
    return this.#session((message) => settle(message), async (_child, id, post) => {
      post(request(id));
      return answered;
    });
  }

  /** Loads `detector` (and `faceClassifier`) in the worker (once); rejects with the model's error when it cannot. */
  prepare(detector: DetectorSpec, faceClassifier?: FaceClassifierSpec): Promise<void> {
    return this.#ask((id) => ({ type: 'detector', id, detector, ...(faceClassifier ? { faceClassifier } : {}) }), (m) => (m.type === 'ready' ? true : undefined)).then(() => {});
  }

  /** ffprobe's view of `file`, from the worker. */
  probe(file: string): Promise<VideoProbe> {
    return this.#ask((id) => ({ type: 'probe', id, file }), (m) => (m.type === 'probed' ? m.probe : undefined), file);
  }

  /**
   * The frames of `file` in chunks of `options.chunkSize`, prepared by the worker; adds each stage's
   * seconds to `times`. Leaving the loop early cancels the video in the worker (it closes the file).
   */
  async *read(file: string, options: FrameReaderOptions, times: StageTimes = noStageTimes()): AsyncGenerator<FrameInput[]> {
    const { pipeline: _, detector, signal, ...prep } = options;
    const inbox: FromFrameWorker[] = [];
    let wake: (() => void) | undefined;
    const deliver: Deliver = (message) => {
      inbox.push(message);
      wake?.();
      wake = undefined;
    };
    // Frames kept for drawing become Mats again here (OpenCV in this process, not the worker's).
    const cv = options.keepFrames ? opencv() : undefined;
    const toMat = cv ? (rows: number, cols: number, data: Uint8Array): Mat => new cv.Mat(Buffer.from(data.buffer, data.byteOffset, data.byteLength), rows, cols, cv.CV_8UC3) : undefined;
    // A generator cannot yield from inside #session's callback: the session is opened by hand.
    let id = 0;
    let post: (message: ToFrameWorker) => void = () => {};
    let close: () => void = () => {};
    const opened = new Promise<void>((resolveOpened) => {
      void this.#session(deliver, (_child, jobId, send) => {
        id = jobId;
        post = send;
        resolveOpened();
        return new Promise<void>((resolveClosed) => (close = resolveClosed));
      });
    });
    await opened;
    let finished = false;
    const abort = (): void => deliver({ type: 'error', id, error: { message: 'aborted' } });
    signal?.addEventListener('abort', abort, { once: true });
    let fps: number | undefined;
    try {
      signal?.throwIfAborted();
      post({ type: 'job', job: { id, file, detector, options: prep, depth: QUEUE_DEPTH } });
      for (;;) {
        const waited = performance.now();
        while (inbox.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        times.wait += (performance.now() - waited) / 1000;
        const message = inbox.shift() as FromFrameWorker;
        signal?.throwIfAborted();
        if (message.type === 'chunk') {
          // The rate comes with the first chunk; every frame's time follows from it.
          fps ??= message.chunk.fps;
          if (fps !== undefined) message.chunk.fps = fps;
          post({ type: 'credit', id });
          times.decode += message.chunk.times.decode;
          times.detect += message.chunk.times.detect;
          times.crop += message.chunk.times.crop;
          yield unpackChunk(message.chunk, options.imageSize, toMat);
        } else if (message.type === 'end') {
          finished = true;
          return;
        } else if (message.type === 'error') {
          finished = true;
          throw errorFrom(message.error, file);
        }
      }
    } finally {
      signal?.removeEventListener('abort', abort);
      if (!finished) post({ type: 'cancel', id });
      close();
    }
  }

  /** Stops the worker process (a later request starts a new one). */
  async close(): Promise<void> {
    clearTimeout(this.#idle);
    const starting = this.#starting;
    this.#starting = undefined;
    const child = await starting;
    if (this.input && child?.stdin) {
      this.input.unpipe(child.stdin);
      child.stdin.destroy();
    }
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Held until it has gone, or the host's process could end first and leave the promise hanging.
    this.#hold(child, true);
    // A signal, not disconnect(): with a chunk half-read from the channel (a cancel mid-stream),
    // Node's disconnect() waits for that message's 'message' event, which it then never emits, and
    // the channel, the worker and this promise stayed open for ever. The worker holds nothing to flush.
    child.kill('SIGTERM');
    const stubborn = setTimeout(() => child.kill('SIGKILL'), KILL_AFTER_MS);
    await exited;
    clearTimeout(stubborn);
  }
}

let shared: FramePipeline | undefined;

/** The process's frame pipeline, shared by every annotate run. */
export function framePipeline(): FramePipeline {
  shared ??= new FramePipeline();
  return shared;
}
