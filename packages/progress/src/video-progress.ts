// Progress of a run over videos (preprocess, annotate): bars with frames/s and ETA on a terminal,
// one JSON object per line otherwise (for logs and other programs).
import { bar, duration } from './format';
import { JsonLines } from './json-lines';
import { LiveLines } from './live-lines';
import { Throttle } from './throttle';

export interface ProgressReporter {
  /** the run starts with `total` videos to process (`skipped` already done) */
  begin(total: number, skipped: number): void;
  videoStarted(id: string): void;
  videoProgress(id: string, frame: number, expectedFrames: number): void;
  videoDone(id: string, frames: number, crops: number): void;
  videoFailed(id: string, error: string): void;
  end(): void;
}

export const SILENT_PROGRESS: ProgressReporter = {
  begin: () => undefined,
  videoStarted: () => undefined,
  videoProgress: () => undefined,
  videoDone: () => undefined,
  videoFailed: () => undefined,
  end: () => undefined,
};

interface Active {
  frame: number;
  expected: number;
  started: number;
}

/** Shared bookkeeping: frames per second and the remaining time, overall and per video. */
class Tally {
  readonly active = new Map<string, Active>();
  total = 0;
  finished = 0;
  failed = 0;
  frames = 0;
  private finishedFrames = 0;
  private readonly started = Date.now();

  framesPerSecond(): number {
    return this.frames / Math.max((Date.now() - this.started) / 1000, 1e-3);
  }

  /** Remaining seconds: frames left in running videos plus, for videos not started, the mean video length so far. */
  eta(): number {
    const rate = this.framesPerSecond();
    const known = [...this.active.values()].filter((a) => a.expected > 0);
    const meanVideo = this.finished > 0 ? this.finishedFrames / this.finished : known.length > 0 ? known.reduce((s, a) => s + a.expected, 0) / known.length : NaN;
    const left = known.reduce((s, a) => s + Math.max(a.expected - a.frame, 0), 0) + (this.total - this.finished - this.active.size) * meanVideo;
    return rate > 0 ? left / rate : NaN;
  }

  start(id: string): void {
    this.active.set(id, { frame: 0, expected: 0, started: Date.now() });
  }

  progress(id: string, frame: number, expected: number): void {
    const a = this.active.get(id);
    if (!a) return;
    this.frames += frame - a.frame;
    a.frame = frame;
    a.expected = Math.max(expected, frame);
  }

  close(id: string, failed: boolean): void {
    const a = this.active.get(id);
    if (a) this.finishedFrames += a.frame;
    this.active.delete(id);
    this.finished += 1;
    if (failed) this.failed += 1;
  }
}

/** One JSON object per line: begin, start, progress (at most every 2 s per video), done, failed, end. */
export class JsonLinesProgress implements ProgressReporter {
  private readonly tally = new Tally();
  private readonly throttle = new Throttle(2000);
  private readonly out: JsonLines;

  constructor(out: NodeJS.WritableStream) {
    this.out = new JsonLines(out);
  }

  begin(total: number, skipped: number): void {
    this.tally.total = total;
    this.out.write({ event: 'begin', videos: total, alreadyDone: skipped });
  }

  videoStarted(id: string): void {
    this.tally.start(id);
    this.out.write({ event: 'start', video: id });
  }

  videoProgress(id: string, frame: number, expectedFrames: number): void {
    this.tally.progress(id, frame, expectedFrames);
    if (!this.throttle.ready(id)) return;
    this.out.write({ event: 'progress', video: id, frame, frames: expectedFrames, fps: Math.round(this.tally.framesPerSecond()), etaSeconds: Math.round(this.tally.eta()) || null });
  }

  videoDone(id: string, frames: number, crops: number): void {
    this.tally.close(id, false);
    this.out.write({ event: 'done', video: id, frames, crops, finished: this.tally.finished, of: this.tally.total });
  }

  videoFailed(id: string, error: string): void {
    this.tally.close(id, true);
    this.out.write({ event: 'failed', video: id, error, finished: this.tally.finished, of: this.tally.total });
  }

  end(): void {
    this.out.write({ event: 'end', finished: this.tally.finished, failed: this.tally.failed, frames: this.tally.frames });
  }
}

/** Live bars on a terminal: one per running video, and a total line; redrawn at most 10 times a second. */
export class TerminalProgress implements ProgressReporter {
  private readonly tally = new Tally();
  private readonly screen: LiveLines;

  constructor(out: NodeJS.WriteStream) {
    this.screen = new LiveLines(out, () => this.lines());
  }

  private lines(): string[] {
    const now = Date.now();
    const lines = [...this.tally.active].map(([id, a]) => {
      const fraction = a.expected > 0 ? a.frame / a.expected : 0;
      const rate = a.frame / Math.max((now - a.started) / 1000, 1e-3);
      const eta = a.expected > 0 && rate > 0 ? (a.expected - a.frame) / rate : NaN;
      return `${id.slice(0, 13).padEnd(13)} ${bar(fraction)} ${String(Math.round(fraction * 100)).padStart(3)}% ${a.frame}/${a.expected || '?'} ${rate.toFixed(0)} fps ETA ${duration(eta)}`;
    });
    const t = this.tally;
    lines.push(
      `${'total'.padEnd(13)} ${bar(t.total > 0 ? t.finished / t.total : 1)} ${t.finished}/${t.total} videos${t.failed ? ` (${t.failed} failed)` : ''} ${t.framesPerSecond().toFixed(0)} fps ETA ${duration(t.eta())}`,
    );
    return lines;
  }

  begin(total: number, skipped: number): void {
    this.tally.total = total;
    if (skipped > 0) this.screen.log(`${skipped} video(s) already done, skipped`);
    this.screen.draw(true);
  }

  videoStarted(id: string): void {
    this.tally.start(id);
    this.screen.draw();
  }

  videoProgress(id: string, frame: number, expectedFrames: number): void {
    this.tally.progress(id, frame, expectedFrames);
    this.screen.draw();
  }

  videoDone(id: string, frames: number, crops: number): void {
    this.tally.close(id, false);
    this.screen.log(`done   ${id}: ${frames} frames, ${crops} crops`);
  }

  videoFailed(id: string, error: string): void {
    this.tally.close(id, true);
    this.screen.log(`FAILED ${id}: ${error}`);
  }

  end(): void {
    this.screen.draw(true);
  }
}
