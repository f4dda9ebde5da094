// Logits for windows of frames, two ways: each frame encoded once and its embedding shared by the
// windows that contain it (the default), or iCatcher+'s way, every window through the plain forward
// pass (each frame encoded once per window it is in; kept to check the first against).
import type { Model, Tensor } from '@gazecoder/torch';

import type { FrameInput } from './frame-inputs';

const EMBEDDING = 256;
const BOX = 5;

export interface WindowRunner {
  /** Sees every frame once, in order, before any window that contains it. */
  addFrames(frames: readonly FrameInput[]): Promise<void>;
  /** Frees what `addFrames` kept for a frame no window needs any more. */
  dropFrame(frame: FrameInput): void;
  /** 3 logits [away, left, right] per window; a window lists its frames in order. */
  predict(windows: ReadonlyArray<readonly FrameInput[]>): Promise<Float32Array>;
}

/** Runs `run` on slices of at most `batchSize` windows and concatenates the logits. */
async function inBatches(count: number, batchSize: number, run: (start: number, end: number) => Promise<Tensor>): Promise<Float32Array> {
  const logits = new Float32Array(count * 3);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(count, start + batchSize);
    logits.set((await run(start, end)).data, start * 3);
  }
  return logits;
}

function windowBoxes(windows: ReadonlyArray<readonly FrameInput[]>, n: number): Tensor {
  const data = new Float32Array(windows.length * n * BOX);
  windows.forEach((w, i) => w.forEach((f, k) => data.set(f.box, (i * n + k) * BOX)));
  return { data, shape: [windows.length, n, BOX] };
}

/** Encodes each frame with a face once; frames without one share the embedding of the zero image. */
export class SharedEmbeddingRunner implements WindowRunner {
  readonly #embeddings = new Map<number, Float32Array>();
  #zero: Float32Array | undefined;

  constructor(
    private readonly model: Model,
    private readonly window: number,
    private readonly batchSize: number,
    /** side of the square crops the frames carry */
    private readonly imageSize: number,
  ) {}

  async addFrames(frames: readonly FrameInput[]): Promise<void> {
    const faces = frames.filter((f) => f.image !== undefined);
    const size = this.imageSize;
    const IMAGE = 3 * size * size;
    for (let start = 0; start < faces.length; start += this.batchSize) {
      const batch = faces.slice(start, start + this.batchSize);
      const images = new Float32Array(batch.length * IMAGE);
      batch.forEach((f, i) => images.set(f.image as Float32Array, i * IMAGE));
      const out = await this.model.encodeImages({ data: images, shape: [batch.length, 3, size, size] });
      batch.forEach((f, i) => {
        this.#embeddings.set(f.index, out.data.slice(i * EMBEDDING, (i + 1) * EMBEDDING));
        delete f.image; // the embedding is all the windows need from now on
      });
    }
    if (this.#zero === undefined && faces.length < frames.length) {
      const out = await this.model.encodeImages({ data: new Float32Array(IMAGE), shape: [1, 3, size, size] });
      this.#zero = out.data;
    }
  }

  dropFrame(frame: FrameInput): void {
    this.#embeddings.delete(frame.index);
  }

  predict(windows: ReadonlyArray<readonly FrameInput[]>): Promise<Float32Array> {
    const n = this.window;
    return inBatches(windows.length, this.batchSize, (start, end) => {
      const slice = windows.slice(start, end);
      const data = new Float32Array(slice.length * n * EMBEDDING);
      slice.forEach((w, i) =>
        w.forEach((f, k) => {
          const embedding = this.#embeddings.get(f.index) ?? this.#zero;
          if (!embedding) throw new Error(`frame ${f.index} was not encoded`);
          data.set(embedding, (i * n + k) * EMBEDDING);
        }),
      );
      return this.model.predictFromEmbeddings({ data, shape: [slice.length, n, EMBEDDING] }, windowBoxes(slice, n));
    });
  }
}

/** iCatcher+'s way: every window's five images through the whole model. */
export class PerWindowForwardRunner implements WindowRunner {
  constructor(
    private readonly model: Model,
    private readonly window: number,
    private readonly batchSize: number,
    /** side of the square crops the frames carry */
    private readonly imageSize: number,
  ) {}

  async addFrames(): Promise<void> {}

  dropFrame(): void {}

  predict(windows: ReadonlyArray<readonly FrameInput[]>): Promise<Float32Array> {
    const n = this.window;
    const size = this.imageSize;
    const IMAGE = 3 * size * size;
    return inBatches(windows.length, this.batchSize, (start, end) => {
      const slice = windows.slice(start, end);
      const images = new Float32Array(slice.length * n * IMAGE); // zeros where a frame has no face
      slice.forEach((w, i) => w.forEach((f, k) => f.image && images.set(f.image, (i * n + k) * IMAGE)));
      return this.model.forward({ data: images, shape: [slice.length, n, 3, size, size] }, windowBoxes(slice, n));
    });
  }
}

/** The runner `encodeOnce` asks for (default: each frame encoded once), for `model`'s windows of `window` frames. */
export function windowRunner(model: Model, encodeOnce: boolean | undefined, window: number, batchSize: number, imageSize: number): WindowRunner {
  return encodeOnce === false ? new PerWindowForwardRunner(model, window, batchSize, imageSize) : new SharedEmbeddingRunner(model, window, batchSize, imageSize);
}
