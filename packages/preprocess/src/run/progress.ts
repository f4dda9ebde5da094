// Progress of a preprocessing run: bars with frames/s and ETA on a terminal, one JSON object per
// line otherwise (for logs and other programs).

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

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
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
  private readonly lastReport = new Map<string, number>();

  constructor(private readonly out: NodeJS.WritableStream) {}

  private emit(event: Record<string, unknown>): void {
    this.out.write(`${JSON.stringify(event)}\n`);
  }

  begin(total: number, skipped: number): void {
    this.tally.total = total;
    this.emit({ event: 'begin', videos: total, alreadyDone: skipped });
  }

  videoStarted(id: string): void {
    this.tally.active.set(id, { frame: 0, expected: 0, started: Date.now() });
    this.emit({ event: 'start', video: id });
  }

  videoProgress(id: string, frame: number, expectedFrames: number): void {
    this.tally.progress(id, frame, expectedFrames);
    const now = Date.now();
    if (now - (this.lastReport.get(id) ?? 0) < 2000) return;
    this.lastReport.set(id, now);
    this.emit({ event: 'progress', video: id, frame, frames: expectedFrames, fps: Math.round(this.tally.framesPerSecond()), etaSeconds: Math.round(this.tally.eta()) || null });
  }

  videoDone(id: string, frames: number, crops: number): void {
    this.tally.close(id, false);
    this.emit({ event: 'done', video: id, frames, crops, finished: this.tally.finished, of: this.tally.total });
  }

  videoFailed(id: string, error: string): void {
    this.tally.close(id, true);
    this.emit({ event: 'failed', video: id, error, finished: this.tally.finished, of: this.tally.total });
  }

  end(): void {
    this.emit({ event: 'end', finished: this.tally.finished, failed: this.tally.failed, frames: this.tally.frames });
  }
}

/** Live bars on a terminal: one per running video, and a total line; redrawn at most 10 times a second. */
export class TerminalProgress implements ProgressReporter {
  private readonly tally = new Tally();
  private drawn = 0;
  private lastDraw = 0;

  constructor(private readonly out: NodeJS.WriteStream) {}

  private bar(fraction: number, width = 20): string {
    const filled = Math.round(Math.min(Math.max(fraction, 0), 1) * width);
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
  }

  private draw(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const width = this.out.columns || 100; // 0 when the terminal does not say
    const lines = [...this.tally.active].map(([id, a]) => {
      const fraction = a.expected > 0 ? a.frame / a.expected : 0;
      const rate = a.frame / Math.max((now - a.started) / 1000, 1e-3);
      const eta = a.expected > 0 && rate > 0 ? (a.expected - a.frame) / rate : NaN;
      return `${id.slice(0, 13).padEnd(13)} ${this.bar(fraction)} ${String(Math.round(fraction * 100)).padStart(3)}% ${a.frame}/${a.expected || '?'} ${rate.toFixed(0)} fps ETA ${duration(eta)}`;
    });
    const t = this.tally;
    lines.push(
      `${'total'.padEnd(13)} ${this.bar(t.total > 0 ? t.finished / t.total : 1)} ${t.finished}/${t.total} videos${t.failed ? ` (${t.failed} failed)` : ''} ${t.framesPerSecond().toFixed(0)} fps ETA ${duration(t.eta())}`,
    );
    let text = this.drawn > 0 ? `\x1b[${this.drawn}F` : '';
    text += lines.map((l) => `\x1b[2K${l.slice(0, width - 1)}`).join('\n');
    // Clear lines left over from a taller previous frame.
    const extra = Math.max(0, this.drawn - lines.length);
    if (extra > 0) text += `\n\x1b[0J`;
    this.out.write(`${text}\n`);
    this.drawn = lines.length + (extra > 0 ? 1 : 0);
  }

  private log(line: string): void {
    // A permanent line above the bars.
    this.out.write(`${this.drawn > 0 ? `\x1b[${this.drawn}F\x1b[0J` : ''}${line}\n`);
    this.drawn = 0;
    this.draw(true);
  }

  begin(total: number, skipped: number): void {
    this.tally.total = total;
    if (skipped > 0) this.log(`${skipped} video(s) already done, skipped`);
    this.draw(true);
  }

  videoStarted(id: string): void {
    this.tally.active.set(id, { frame: 0, expected: 0, started: Date.now() });
    this.draw();
  }

  videoProgress(id: string, frame: number, expectedFrames: number): void {
    this.tally.progress(id, frame, expectedFrames);
    this.draw();
  }

  videoDone(id: string, frames: number, crops: number): void {
    this.tally.close(id, false);
    this.log(`done   ${id}: ${frames} frames, ${crops} crops`);
  }

  videoFailed(id: string, error: string): void {
    this.tally.close(id, true);
    this.log(`FAILED ${id}: ${error}`);
  }

  end(): void {
    this.draw(true);
  }
}
