import { InvalidArgumentError, type Command } from 'commander';
import { DETECTOR_NAMES, detectorSpec, RES10_FILES, RETINAFACE_WEIGHTS, type DetectorName, type DetectorSpec } from '@gazecoder/preprocess';

/** The face-detector flags `preprocess` and `faces` share. */
export interface DetectorFlags {
  detector: string;
  faceModel?: string;
  confidence?: number;
  boxScale?: [number, number];
  boxShift?: number;
}

function probability(value: string): number {
  const p = Number(value);
  if (!(p >= 0 && p <= 1)) throw new InvalidArgumentError(`--confidence must be in [0, 1], got '${value}'`);
  return p;
}

function scale(value: string): [number, number] {
  const parts = value.split(',').map(Number);
  if (parts.length < 1 || parts.length > 2 || parts.some((p) => !(p > 0))) throw new InvalidArgumentError(`--box-scale must be S or SX,SY with positive numbers, got '${value}'`);
  return [parts[0] as number, (parts[1] ?? parts[0]) as number];
}

function shift(value: string): number {
  const s = Number(value);
  if (!Number.isFinite(s)) throw new InvalidArgumentError(`--box-shift must be a number of box heights, got '${value}'`);
  return s;
}

export function addDetectorOptions(command: Command): Command {
  return command
    .option('--detector <name>', "blazeface (BlazeFace ONNX, bundled), res10 (iCatcher+'s OpenCV-DNN SSD, as its preprocessing) or retinaface (iCatcher+'s default: RetinaFace ResNet-50 in the native core)", 'blazeface')
    .option('--face-model <files>', `res10: <prototxt>,<caffemodel> (default: iCatcher+'s ${RES10_FILES.prototxt},${RES10_FILES.caffemodel} from the model cache, also named res10); retinaface: a .pth file or a cached model's name (default ${RETINAFACE_WEIGHTS.replace(/\.pth$/, '')})`)
    .option('--confidence <p>', 'keep faces scoring at least p (res10: above p); default 0.7, retinaface 0.9 (iCatcher+\'s)', probability)
    .option('--box-scale <s|sx,sy>', 'resize boxes around their centre, e.g. 1.2 or 1.1,1.3 (BlazeFace boxes are tighter than res10\'s)', scale)
    .option('--box-shift <dy>', 'move boxes by dy box heights after scaling (negative is up), e.g. -0.1', shift);
}

/**
 * The detector spec the flags describe; bad combinations are named. Model files not given are
 * iCatcher+'s, taken from the model cache when the detector loads (its error names the fetch command).
 */
export function detectorFromFlags(flags: DetectorFlags): DetectorSpec {
  if (!(DETECTOR_NAMES as readonly string[]).includes(flags.detector)) throw new Error(`--detector must be ${DETECTOR_NAMES.join(', ')}, got '${flags.detector}'`);
  const name = flags.detector as DetectorName;
  let model: DetectorSpec['model'];
  let weights: string | undefined;
  if (flags.faceModel !== undefined) {
    if (name === 'blazeface') throw new Error("--face-model is for --detector res10 or retinaface (BlazeFace's models are bundled)");
    if (name === 'retinaface') weights = flags.faceModel;
    else if (flags.faceModel !== 'res10') {
      const [prototxt, caffemodel, ...rest] = flags.faceModel.split(',');
      if (!prototxt || !caffemodel || rest.length > 0) throw new Error(`--face-model must be <deploy.prototxt>,<model.caffemodel> or res10 (iCatcher+'s, cached), got '${flags.faceModel}'`);
      model = { prototxt, caffemodel };
    }
  }
  return detectorSpec({
    name,
    ...(flags.confidence !== undefined ? { confidence: flags.confidence } : {}),
    boxAdjustment: { scale: flags.boxScale ?? [1, 1], shiftY: flags.boxShift ?? 0 },
    ...(model ? { model } : {}),
    ...(weights !== undefined ? { weights } : {}),
  });
}
