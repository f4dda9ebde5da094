// iCatcher+'s face models in the native core: RetinaFace (its default face detector, batch_face's
// ResNet-50 network) and the infant-face classifier (VGG16). Each heavy call runs on a worker thread;
// dispose() frees the network.
import { native, type NativeFaceClassifier, type NativeFaceDetection, type NativeImage, type NativeRetinaFace } from './native';

export type { NativeImage as Image8, NativeFaceDetection as RetinaFaceDetection };

export interface FaceModelOptions {
  /** the weights: Resnet50_Final.pth, face_classifier_*.pth or a file with their keys */
  weights: string;
  /** `auto`, `cpu`, `cuda` or `cuda:N` (default `cpu`) */
  device?: string;
}

/** batch_face's post-processing settings (its defaults: score > 0.5, 5000 before NMS at 0.4, 750 after). */
export interface RetinaFaceSettings {
  threshold?: number;
  nmsThreshold?: number;
  topK?: number;
  keepTopK?: number;
}

/** The options the addon's create functions take, checked (a non-object is named). */
function nativeOptions(options: FaceModelOptions): { weights: string; device?: string } {
  if (typeof options !== 'object' || options === null) throw new TypeError(`options must be { weights, device? }, got ${options === null ? 'null' : typeof options}`);
  return { weights: options.weights, ...(options.device ? { device: options.device } : {}) };
}

function checkImages(images: readonly NativeImage[], name: string): void {
  if (!Array.isArray(images)) throw new TypeError(`${name} must be an array of { data: Uint8Array, width, height }`);
}

/** A native face model's handle: freed by dispose() (or `using`), refused after it. */
abstract class FaceModel<Handle extends { dispose(): void }> implements Disposable {
  #native: Handle | undefined;

  protected constructor(
    handle: Handle,
    private readonly what: string,
  ) {
    this.#native = handle;
  }

  protected live(): Handle {
    if (!this.#native) throw new Error(`this ${this.what} has been disposed`);
    return this.#native;
  }

  dispose(): void {
    this.#native?.dispose();
    this.#native = undefined;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}

/** RetinaFace as batch_face runs it for iCatcher+: BGR frames in, every face above batch_face's 0.5 out. */
export class RetinaFace extends FaceModel<NativeRetinaFace> {
  private constructor(handle: NativeRetinaFace) {
    super(handle, 'RetinaFace');
  }

  /** Builds the network and loads its weights (a CheckpointError names the file and each bad key). */
  static async load(options: FaceModelOptions): Promise<RetinaFace> {
    return new RetinaFace(await native().createRetinaFace(nativeOptions(options)));
  }

  /** Detections per frame (frames of one size), highest score first, in frame pixels; bad arguments reject, naming them. */
  async detect(frames: readonly NativeImage[], settings: RetinaFaceSettings = {}): Promise<NativeFaceDetection[][]> {
    checkImages(frames, 'frames');
    return this.live().detect([...frames], settings);
  }
}

/** iCatcher+'s infant-face classifier: RGB face crops in, 0 (infant) or 1 (not an infant) out. */
export class InfantFaceClassifier extends FaceModel<NativeFaceClassifier> {
  private constructor(handle: NativeFaceClassifier) {
    super(handle, 'face classifier');
  }

  static async load(options: FaceModelOptions): Promise<InfantFaceClassifier> {
    return new InfantFaceClassifier(await native().createFaceClassifier(nativeOptions(options)));
  }

  /** One frame's faces in one batch, as iCatcher+'s select_face runs them; bad arguments reject, naming them. */
  async classify(crops: readonly NativeImage[]): Promise<{ label: number; logits: number[] }[]> {
    checkImages(crops, 'crops');
    return this.live().classify([...crops]);
  }
}
