// Real test videos, encoded by ffmpeg from frames we draw.
import { spawnSync } from 'node:child_process';

import type { Mat } from '@u4/opencv4nodejs';

export interface VideoOptions {
  fps?: number;
  /** ffmpeg output arguments (codec); H.264 yuv420p by default */
  codec?: string[];
  /** presentation time of each frame in ms (makes a variable-frame-rate MP4) */
  timesMs?: readonly number[];
}

/** Encodes BGR frames (all the same size) into `path` with ffmpeg. */
export function writeVideo(path: string, frames: readonly Mat[], options: VideoOptions = {}): void {
  const first = frames[0];
  if (!first) throw new Error('no frames');
  const fps = options.fps ?? 30;
  const input = Buffer.concat(frames.map((f) => f.getData()));
  const timing = options.timesMs
    ? ['-vf', `settb=1/1000,setpts='${timesExpression(options.timesMs)}'`, '-fps_mode', 'passthrough', '-enc_time_base:v', '1:1000', '-video_track_timescale', '1000']
    : [];
  const run = spawnSync(
    'ffmpeg',
    ['-v', 'error', '-y', '-f', 'rawvideo', '-pix_fmt', 'bgr24', '-s', `${first.cols}x${first.rows}`, '-r', String(fps), '-i', '-', ...timing, ...(options.codec ?? ['-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '18']), path],
    { input, maxBuffer: 1 << 26 },
  );
  if (run.status !== 0) throw new Error(`ffmpeg failed: ${run.stderr.toString()}`);
}

/** An ffmpeg expression giving frame N its time in ms (the time base is set to 1/1000): a chain of if(eq(N,i), t_i, …). */
function timesExpression(times: readonly number[]): string {
  return times.reduceRight((rest, t, i) => `if(eq(N\\,${i})\\,${t}\\,${rest})`, String(times[times.length - 1] ?? 0));
}
