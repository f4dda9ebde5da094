// Reporting a training run as it goes: a redrawn progress line with epoch summaries when stderr is a
// terminal, one JSON object per line otherwise (step lines at most once a second).
import type { TrainEvent, TrainStepEvent } from '@gazecoder/torch';

const BAR_WIDTH = 24;

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : m > 0 ? `${m}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

function percent(value: number | null): string {
  return value === null ? '–' : `${(100 * value).toFixed(1)}%`;
}

/** Turns events into output on a stream. */
export interface ProgressReporter {
  report(event: TrainEvent): void;
  /** Writes a line that is not an event (e.g. "stopping…"), without breaking the display. */
  note(message: string): void;
  close(): void;
}

/** Reports nothing: the workers of a data-parallel job other than rank 0. */
export class SilentProgress implements ProgressReporter {
  report(): void {}
  note(): void {}
  close(): void {}
}

/** The single redrawn line of a terminal, with a line per epoch above it. */
export class TerminalProgress implements ProgressReporter {
  #epochs = 0;
  #drawn = false;

  constructor(private readonly stream: NodeJS.WriteStream) {}

  report(event: TrainEvent): void {
    switch (event.type) {
      case 'start':
        this.#epochs = event.epochs;
        this.#line(
          `training ${event.arch} on ${event.device} (amp ${event.amp}${event.channelsLast ? ', channels_last' : ''}): ` +
            `${event.parameterCount.toLocaleString('en-US')} parameters, ${event.trainWindows} training / ${event.valWindows} validation windows ` +
            `from ${event.trainVideos} / ${event.valVideos} videos, ${event.batchesPerEpoch} batches per epoch` +
            (event.startEpoch > 1 || event.startBatch > 0 ? `, resuming at epoch ${event.startEpoch} batch ${event.startBatch + 1}` : ''),
        );
        break;
      case 'step':
        this.#draw(event);
        break;
      case 'epoch': {
        const [away, left, right] = event.valClassAccuracy;
        this.#line(
          `epoch ${event.epoch}/${this.#epochs}: train loss ${event.trainLoss.toFixed(4)} acc ${percent(event.trainAccuracy)} | ` +
            `val loss ${event.valLoss.toFixed(4)} acc ${percent(event.valAccuracy)} (away ${percent(away)}, left ${percent(left)}, right ${percent(right)}) | ` +
            `lr ${event.lr.toExponential(1)} | ${event.samplesPerSecond.toFixed(1)} samples/s | ` +
            (event.isBest ? 'best so far' : `best: epoch ${event.bestEpoch} (${percent(event.bestValAccuracy)})`),
        );
        break;
      }
      case 'done':
        break;
    }
  }

  note(message: string): void {
    this.#line(message);
  }

  close(): void {
    if (this.#drawn) this.stream.write('\n');
    this.#drawn = false;
  }

  #draw(e: TrainStepEvent): void {
    const filled = Math.round((BAR_WIDTH * e.batch) / e.batches);
    const remainingSteps = (this.#epochs - e.epoch) * e.batches + (e.batches - e.batch);
    const text =
      `epoch ${e.epoch}/${this.#epochs} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${e.batch}/${e.batches} ` +
      `loss ${e.loss.toFixed(4)} | ${e.stepsPerSecond.toFixed(2)} steps/s ${e.samplesPerSecond.toFixed(1)} samples/s | ETA ${duration(remainingSteps / e.stepsPerSecond)}`;
    const width = this.stream.columns ?? 120;
    this.stream.write(`\r${text.slice(0, width - 1).padEnd(Math.min(width - 1, text.length))}\x1b[K`);
    this.#drawn = true;
  }

  #line(text: string): void {
    this.stream.write(`${this.#drawn ? '\r\x1b[K' : ''}${text}\n`);
    this.#drawn = false;
  }
}

/** JSON lines for logs and programs: every event except frequent step events. */
export class JsonProgress implements ProgressReporter {
  #lastStep = 0;

  constructor(private readonly stream: NodeJS.WritableStream, private readonly stepInterval = 1000) {}

  report(event: TrainEvent): void {
    if (event.type === 'step') {
      const now = Date.now();
      if (now - this.#lastStep < this.stepInterval && event.batch !== event.batches) return;
      this.#lastStep = now;
    }
    this.stream.write(`${JSON.stringify(event)}\n`);
  }

  note(message: string): void {
    this.stream.write(`${JSON.stringify({ type: 'note', message })}\n`);
  }

  close(): void {}
}
