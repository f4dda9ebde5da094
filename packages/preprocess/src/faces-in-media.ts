// `gazecoder faces`: the boxes and scores a detector finds on each frame of an image or a video,
// found in a worker process (faces-worker.ts) and streamed back frame by frame.
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';

import type { Mat } from '@u4/opencv4nodejs';

import type { DetectorSpec } from './detect/detector';
import type { FaceBox } from './detect/face-box';
import { opencv } from '@gazecoder/opencv';
import { VideoError } from './video/probe';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp', '.pgm', '.ppm', '.pbm', '.jp2']);

/** The faces found on one frame (frame 0 for an image). */
export interface FrameFaces {
  frame: number;
  width: number;
  height: number;
  faces: FaceBox[];
}

export function isImageFile(path: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(path).toLowerCase());
}

/** An image as the BGR frame the detectors take; names the file when it is missing or unreadable. */
export function readImage(path: string): Mat {
  if (!existsSync(path)) throw new VideoError(path, 'no such file');
  let image: Mat | undefined;
  try {
    image = opencv().imread(path);
  } catch {
    image = undefined;
  }
  if (!image || image.empty) throw new VideoError(path, 'OpenCV cannot decode this image');
  // Grey or RGBA images become BGR, the detectors' input.
  if (image.channels === 1) return image.cvtColor(opencv().COLOR_GRAY2BGR);
  if (image.channels === 4) return image.cvtColor(opencv().COLOR_BGRA2BGR);
  return image;
}

/** What detectFaces() sends its worker process (faces-worker.ts). */
export type FacesToWorker = { type: 'start'; path: string; detector: Partial<DetectorSpec>; credits: number } | { type: 'more'; frames: number };
/** What the worker sends back: each frame's faces, then done or an error. */
export type FacesFromWorker = { type: 'frame'; frame: FrameFaces } | { type: 'done' } | { type: 'error'; message: string; file?: string };

const WORKER_SCRIPT = join(__dirname, 'faces-worker.js');
/** Frames the worker may run ahead of the caller: boxes are small, this only bounds a slow caller. */
const CREDITS = 64;

/**
 * Detects faces on an image (one frame) or on every frame of a video, frame by frame. Decoding and
 * detection run in a child process, so the caller's event loop stays free; breaking out of the loop
 * stops that process.
 */
export async function* detectFaces(path: string, detector: Partial<DetectorSpec> = {}): AsyncGenerator<FrameFaces> {
  // Checked here, so that a missing file is named before a process starts.
  if (!existsSync(path)) throw new VideoError(path, 'no such file');
  const child = fork(WORKER_SCRIPT, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'advanced' });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const inbox: FacesFromWorker[] = [];
  let notify: (() => void) | undefined;
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const wakeUp = (): void => {
    notify?.();
    notify = undefined;
  };
  child.on('message', (message: FacesFromWorker) => {
    inbox.push(message);
    wakeUp();
  });
  child.on('exit', (code, signal) => {
    exited = { code, signal };
    wakeUp();
  });
  try {
    child.send({ type: 'start', path, detector, credits: CREDITS } satisfies FacesToWorker);
    for (;;) {
      const message = inbox.shift();
      if (!message) {
        if (exited) throw new VideoError(path, `face detection stopped (${exited.signal ?? `exit code ${exited.code}`})${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`);
        await new Promise<void>((resolve) => (notify = resolve));
        continue;
      }
      if (message.type === 'done') return;
      if (message.type === 'error') {
        if (message.file !== undefined) {
          const error = new VideoError(message.file, '');
          error.message = message.message;
          throw error;
        }
        throw new Error(message.message);
      }
      yield message.frame;
      if (child.connected) child.send({ type: 'more', frames: 1 } satisfies FacesToWorker);
    }
  } finally {
    if (exited === undefined) child.kill();
  }
}
