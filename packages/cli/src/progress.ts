// Reporting a training run as it goes: a redrawn progress line with epoch summaries when stderr is a
// terminal, one JSON object per line otherwise (step lines at most once a second); drawn and
// throttled by @gazecoder/progress, as preprocess and annotate are.
import { bar, duration, JsonLines, LiveLines, Throttle } from '@gazecoder/progress';
import type { TrainEvent, TrainStepEvent } from '@gazecoder/formats';

const BAR_WIDTH = 24;

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

/** The redrawn line of a terminal, with a line per epoch above it. */
export class TerminalProgress implements ProgressReporter {
  #epochs = 0;
  /** the step the redrawn line shows; none between an epoch's summary and the next step */
  #step: TrainStepEvent | null = null;
  readonly #screen: LiveLines;

  constructor(stream: NodeJS.WriteStream) {
    this.#screen = new LiveLines(stream, () => (this.#step ? [this.#stepLine(this.#step)] : []));
  }

  report(event: TrainEvent): void {
    switch (event.type) {
      case 'start':
        this.#epochs = event.epochs;
        this.#screen.log(
          `training ${event.arch} on ${event.device} (amp ${event.amp}${event.channelsLast ? ', channels_last' : ''}): ` +
            `${event.parameterCount.toLocaleString('en-US')} parameters, ${event.trainWindows} training / ${event.valWindows} validation windows ` +
            `from ${event.trainVideos} / ${event.valVideos} videos, ${event.batchesPerEpoch} batches per epoch` +
            (event.startEpoch > 1 || event.startBatch > 0 ? `, resuming at epoch ${event.startEpoch} batch ${event.startBatch + 1}` : ''),
        );
        break;
      case 'step':
        this.#step = event;
        this.#screen.draw(event.batch === event.batches);
        break;
      case 'epoch': {
        const [away, left, right] = event.valClassAccuracy;
        this.#step = null;
        this.#screen.log(
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
    this.#screen.log(message);
  }

  close(): void {}

  #stepLine(e: TrainStepEvent): string {
    const remainingSteps = (this.#epochs - e.epoch) * e.batches + (e.batches - e.batch);
    return (
      `epoch ${e.epoch}/${this.#epochs} ${bar(e.batch / e.batches, BAR_WIDTH)} ${e.batch}/${e.batches} ` +
      `loss ${e.loss.toFixed(4)} | ${e.stepsPerSecond.toFixed(2)} steps/s ${e.samplesPerSecond.toFixed(1)} samples/s | ETA ${duration(remainingSteps / e.stepsPerSecond)}`
    );
  }
}

/** JSON lines for logs and programs: every event except frequent step events. */
export class JsonProgress implements ProgressReporter {
  readonly #out: JsonLines;
  readonly #steps: Throttle;

  constructor(stream: NodeJS.WritableStream, stepInterval = 1000) {
    this.#out = new JsonLines(stream);
    this.#steps = new Throttle(stepInterval);
  }

  report(event: TrainEvent): void {
    if (event.type === 'step' && !this.#steps.ready('', event.batch === event.batches)) return;
    this.#out.write(event);
  }

  note(message: string): void {
    this.#out.write({ type: 'note', message });
  }

  close(): void {}
}
