// What ffprobe says about a video's first video stream, and its frame times: from the container's
// frame rate (r_frame_rate, as iCatcher+) when the frame rate is constant, from the packets'
// presentation times when it varies (iCatcher+ tests this with ffmpeg's vfrdet filter: any change
// in the interval between frames makes a video VFR).
import { execFile } from 'node:child_process';

export interface VideoProbe {
  width: number;
  height: number;
  /** r_frame_rate as a number (frames per second) */
  fps: number;
  /** avg_frame_rate, the meaningful rate of a VFR video */
  averageFps: number;
  /** true when the intervals between presentation times are not all equal */
  variableFrameRate: boolean;
  /** presentation time of each packet in ms from the first, in display order (empty when the container has none) */
  packetTimesMs: Float64Array;
}

/** ffprobe failed or the file has no video: the message names the file. */
export class VideoError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'VideoError';
  }
}

function rate(text: string | undefined): number {
  const [num, den] = (text ?? '').split('/').map(Number);
  return num !== undefined && den !== undefined && den > 0 ? num / den : NaN;
}

/** ffprobe's error lines without its '[demuxer @ 0x…]' and '<file>: ' prefixes, joined. */
function ffprobeComplaint(file: string, stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.replace(/^\[[^\]]*@ 0x[0-9a-f]+\]\s*/, '').replace(`${file}: `, '').trim())
    .filter((l) => l !== '');
  return [...new Set(lines)].join('; ');
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ffprobe', args, { maxBuffer: 1 << 28 }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') reject(new VideoError(file, 'ffprobe not found; install ffmpeg (Debian: apt-get install ffmpeg)'));
      else if (error) reject(new VideoError(file, `ffprobe cannot read it: ${ffprobeComplaint(file, stderr) || error.message}`));
      else resolve(stdout);
    });
  });
}

interface ProbeJson {
  streams?: Array<{ width?: number; height?: number; r_frame_rate?: string; avg_frame_rate?: string; time_base?: string }>;
  packets?: Array<{ pts?: number }>;
}

/** Probes `file` with ffprobe (packets only, nothing is decoded). */
export async function probeVideo(file: string): Promise<VideoProbe> {
  const json = JSON.parse(
    await run(file, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height,r_frame_rate,avg_frame_rate,time_base:packet=pts', '-of', 'json', file]),
  ) as ProbeJson;
  const stream = json.streams?.[0];
  if (!stream?.width || !stream.height) throw new VideoError(file, 'no video stream');
  const fps = rate(stream.r_frame_rate);
  if (!(fps > 0)) throw new VideoError(file, `no usable frame rate (r_frame_rate ${stream.r_frame_rate ?? 'missing'})`);
  const averageFps = rate(stream.avg_frame_rate);

  const pts = (json.packets ?? []).map((p) => p.pts);
  const known = pts.every((p): p is number => typeof p === 'number');
  let variableFrameRate = false;
  let packetTimesMs = new Float64Array(0);
  if (known && pts.length > 0) {
    const sorted = Float64Array.from(pts).sort();
    for (let i = 2; i < sorted.length; i += 1) {
      if ((sorted[i] as number) - (sorted[i - 1] as number) !== (sorted[1] as number) - (sorted[0] as number)) variableFrameRate = true;
    }
    const timeBase = rate(stream.time_base);
    const first = sorted[0] as number;
    // Seconds rounded to 6 decimals first, as ffprobe prints the pkt_pts_time iCatcher+ reads.
    packetTimesMs = sorted.map((p) => Number(((p - first) * timeBase).toFixed(6)) * 1000);
  }
  return { width: stream.width, height: stream.height, fps, averageFps: averageFps > 0 ? averageFps : fps, variableFrameRate, packetTimesMs };
}
