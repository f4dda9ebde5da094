import { native, type NativeModel } from './native';
import { checkTensor, type Tensor } from './tensor';
import { windowRequest, type WindowPredictionOptions, type WindowPredictions } from './window-predictions';

/** Which network to build. */
export interface ModelSpec {
  /** torchvision name: `regnet_y_16gf`, `regnet_y_400mf`, …, `regnet_x_*`, `resnet18`, `resnet34`. */
  arch: string;
  /** `gaze`: iCatcher+'s GazeCodingModel with `arch` as image encoder; `backbone`: the bare classifier. */
  kind?: 'gaze' | 'backbone';
  /** Outputs of a backbone's `fc` (default 1000, ImageNet). */
  numClasses?: number;
  /** Frames per gaze prediction (default 5). */
  window?: number;
  /** `auto`, `cpu`, `cuda` or `cuda:N` (default `cpu`). */
  device?: string;
  /**
   * `torchvision` (default): initialised as torchvision initialises it. `skip`: for a model whose
   * every weight is loaded next, the layers keep LibTorch's defaults and torchvision's draws are
   * skipped, which shortens a large model's start-up.
   */
  init?: 'torchvision' | 'skip';
}

/** A custom RegNet-Y as `gazecoder train --arch` takes it (torchvision's BlockParams.from_init_params arguments). */
export const CUSTOM_REGNET_EXAMPLE = 'regnet:depth=5,w0=16,wa=12,wm=2,group=8,se=0.25';

/**
 * Throws, naming `flag`, unless `arch` is what `gazecoder train --arch` takes: a torchvision name the
 * core builds, or a `regnet:` spec. The spec itself is parsed and validated by the native core's one
 * RegNet-spec parser when the model is built, for every command alike.
 */
export function checkArchitecture(arch: string, kind: 'gaze' | 'backbone' = 'gaze', flag = '--arch'): void {
  const known = Model.architectures();
  if (known.includes(arch)) return;
  if (arch.startsWith('regnet:')) {
    if (kind === 'gaze') return;
    throw new Error(`${flag}: a custom RegNet ('${arch}') is an image encoder for a gaze model; a --backbone takes a torchvision name: ${known.join(', ')}`);
  }
  throw new Error(`${flag}: unknown architecture '${arch}'; known: ${known.join(', ')}, or a custom RegNet such as ${CUSTOM_REGNET_EXAMPLE}`);
}

/** How a weights file was read into the model. */
export interface WeightsReport {
  /** `checkpoint` (the model's own keys) or `torchvision backbone` (loaded into encoder_img). */
  interpretedAs: string;
  loaded: string[];
  /** Keys of the file left out on purpose, e.g. the 1000-class `fc.*` of ImageNet weights. */
  skipped: string[];
}

export interface LoadWeightsOptions {
  /** Check every zip record's CRC-32 before the weights are used (default true). */
  verifyCrc?: boolean;
}

export interface StateEntry {
  key: string;
  shape: number[];
}

export type Dtype = 'float32' | 'float64' | 'float16' | 'bfloat16';

/**
 * A RegNet/ResNet backbone or GazeCodingModel living in the native core. Every heavy call runs on a
 * worker thread. Free its memory with `dispose()` or `await using`.
 */
export class Model implements AsyncDisposable {
  readonly arch: string;
  readonly kind: 'gaze' | 'backbone';
  readonly device: string;
  readonly parameterCount: number;
  /** Parameter and buffer names and shapes, in PyTorch's state_dict() order. */
  readonly state: readonly StateEntry[];
  #native: NativeModel | undefined;

  private constructor(handle: NativeModel) {
    const description = handle.describe();
    this.arch = description.arch;
    this.kind = description.kind;
    this.device = description.device;
    this.parameterCount = description.parameterCount;
    this.state = description.state;
    this.#native = handle;
  }

  /** The architecture names `create` accepts. */
  static architectures(): string[] {
    return native().architectures();
  }

  /** Builds a randomly initialised model, initialised as torchvision initialises it (unless `spec.init` is `skip`). */
  static async create(spec: ModelSpec): Promise<Model> {
    return new Model(await native().createModel(spec));
  }

  /**
   * Loads a `.pth` state dict: our own checkpoints, iCatcher+ checkpoints (DDP `module.` prefix
   * stripped), or torchvision ImageNet weights (into `encoder_img` of a gaze model, `fc` skipped).
   * Rejects, naming every missing, unexpected or mis-shaped key; the model is then unchanged.
   * Every zip record's CRC-32 is checked first (`torch.load` checks none), so a file damaged after it
   * was written is refused naming the record; `verifyCrc: false` skips that check to save its time.
   */
  loadWeights(path: string, options: LoadWeightsOptions = {}): Promise<WeightsReport> {
    return this.#handle().loadWeights(path, options);
  }

  /** Writes the weights atomically as a `.pth` that `torch.load` + `load_state_dict(strict=True)` accept. */
  saveWeights(path: string): Promise<void> {
    return this.#handle().saveWeights(path);
  }

  /**
   * Backbone: images N×3×H×W → N×numClasses. Gaze: images B×N×3×H×W and boxes B×N×5 → B×3 logits
   * [away, left, right]. Eval mode unless `train` (BatchNorm then uses and updates batch statistics).
   */
  forward(images: Tensor, boxes?: Tensor, options: { train?: boolean } = {}): Promise<Tensor> {
    checkTensor(images, 'images');
    if (boxes !== undefined) checkTensor(boxes, 'boxes');
    return this.#handle().forward(images, boxes, options?.train ?? false);
  }

  /** Converts every parameter and buffer to `dtype` (integer buffers stay), optionally channels_last. */
  convert(dtype: Dtype, options: { channelsLast?: boolean } = {}): Promise<void> {
    return this.#handle().convert(dtype, options?.channelsLast ?? false);
  }

  /**
   * Predicts every window of a packed dataset's split (default `test`) in eval mode, in batches on a
   * worker thread. The windows (iCatcher+'s rule) and their inputs are built by the same native code as
   * training's validation batches. Rejects naming manifest.json, or the video file at fault.
   */
  async predictWindows(options: WindowPredictionOptions): Promise<WindowPredictions> {
    const request = await windowRequest(options);
    return this.#handle().predictWindows(request);
  }

  /**
   * Gaze models, eval mode: the image encoder alone, images K×3×H×W → K×256 embeddings. With
   * {@link predictFromEmbeddings} it splits `forward`, so that each video frame is encoded once and
   * the overlapping windows that contain it share its embedding.
   */
  encodeImages(images: Tensor): Promise<Tensor> {
    checkTensor(images, 'images');
    return this.#handle().encodeImages(images);
  }

  /**
   * Gaze models, eval mode: image embeddings B×N×256 (from {@link encodeImages}) and boxes B×N×5 →
   * B×3 logits [away, left, right], what `forward` gives on the windows' images.
   */
  predictFromEmbeddings(embeddings: Tensor, boxes: Tensor): Promise<Tensor> {
    checkTensor(embeddings, 'embeddings');
    checkTensor(boxes, 'boxes');
    return this.#handle().predictFromEmbeddings(embeddings, boxes);
  }

    /** Frees the native model; calls still in flight finish first. Idempotent. */
  dispose(): void {
    this.#native?.dispose();
    this.#native = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.dispose();
  }

  #handle(): NativeModel {
    if (this.#native === undefined) throw new Error(`this ${this.arch} model has been disposed`);
    return this.#native;
  }
}
