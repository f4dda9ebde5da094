// Frames to a real video file with ffmpeg.
import { spawn, spawnSync } from 'node:child_process';

import type { Mat } from '@u4/opencv4nodejs';

export interface VideoOptions {
  fps?: number;
  /** ffmpeg output arguments (codec); H.264 yuv420p by default */
  codec?: string[];
  /** presentation time of each frame in ms (makes a variable-frame-rate MP4) */
  timesMs?: readonly number[];
}

const H264 = ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '18'];

function ffmpegArgs(width: number, height: number, path: string, options: VideoOptions): string[] {
  const timing = options.timesMs
    ? ['-vf', `settb=1/1000,setpts='${timesExpression(options.timesMs)}'`, '-fps_mode', 'passthrough', '-enc_time_base:v', '1:1000', '-video_track_timescale', '1000']
    : [];
  return ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'bgr24', '-s', `${width}x${height}`, '-r', String(options.fps ?? 30), '-i', '-', ...timing, ...(options.codec ?? H264), path];
}

/** Encodes BGR frames (all the same size) into `path` with ffmpeg, in one go. */
export function writeVideo(path: string, frames: readonly Mat[], options: VideoOptions = {}): void {
  const first = frames[0];
  if (!first) throw new Error(`${path}: no frames to encode`);
  const input = Buffer.concat(frames.map((f) => f.getData()));
  const run = spawnSync('ffmpeg', ffmpegArgs(first.cols, first.rows, path, options), { input, maxBuffer: 1 << 26 });
  if (run.error) throw new Error(`ffmpeg could not start (is it installed?): ${run.error.message}`);
  if (run.status !== 0) throw new Error(`${path}: ffmpeg failed: ${run.stderr.toString()}`);
}

/** An ffmpeg process fed frame by frame, so long videos never sit in memory whole. */
export interface VideoWriter {
  write(frame: Mat): Promise<void>;
  /** ends the stream and waits for ffmpeg; rejects with its message if it failed */
  close(): Promise<void>;
}

/** Starts ffmpeg writing `path` (`width`×`height` BGR frames, H.264 yuv420p unless `options.codec`). */
export function openVideoWriter(path: string, width: number, height: number, options: VideoOptions = {}): VideoWriter {
  const child = spawn('ffmpeg', ffmpegArgs(width, height, path, options), { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`ffmpeg could not start (is it installed?): ${error.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${path}: ffmpeg failed (exit ${code}): ${stderr.trim()}`))));
  });
  // a write to a dead ffmpeg surfaces through `exited` (awaited by write and close), not as an
  // unhandled stream error or rejection
  child.stdin.on('error', () => undefined);
  exited.catch(() => undefined);
  return {
    write: async (frame) => {
      if (frame.cols !== width || frame.rows !== height) throw new Error(`${path}: frame is ${frame.cols}×${frame.rows}, the video ${width}×${height}`);
      if (child.stdin.write(frame.getData())) return;
      // a full pipe: wait for ffmpeg to drain it, or for its exit (then with its error)
      await Promise.race([new Promise<void>((resolve) => child.stdin.once('drain', resolve)), exited.then(() => Promise.reject(new Error(`${path}: ffmpeg exited before the last frame`)))]);
    },
    close: async () => {
      child.stdin.end();
      await exited;
    },
  };
}

/** An ffmpeg expression giving frame N its time in ms (the time base is set to 1/1000): a chain of if(eq(N,i), t_i, …). */
function timesExpression(times: readonly number[]): string {
  return times.reduceRight((rest, t, i) => `if(eq(N\\,${i})\\,${t}\\,${rest})`, String(times[times.length - 1] ?? 0));
}
