import { InvalidArgumentError, type Command } from 'commander';
import { detectorSpec, type DetectorSpec } from '@gazecoder/preprocess';

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
    .option('--detector <name>', 'blazeface (BlazeFace ONNX, bundled) or res10 (iCatcher+\'s OpenCV-DNN SSD; needs --face-model)', 'blazeface')
    .option('--face-model <prototxt,caffemodel>', 'res10 model files: deploy.prototxt,res10_300x300_ssd_iter_140000.caffemodel')
    .option('--confidence <p>', 'keep faces scoring at least p (res10: above p); default 0.7', probability)
    .option('--box-scale <s|sx,sy>', 'resize boxes around their centre, e.g. 1.2 or 1.1,1.3 (BlazeFace boxes are tighter than res10\'s)', scale)
    .option('--box-shift <dy>', 'move boxes by dy box heights after scaling (negative is up), e.g. -0.1', shift);
}

/** The detector spec the flags describe; bad combinations are named. */
export function detectorFromFlags(flags: DetectorFlags): DetectorSpec {
  if (flags.detector !== 'blazeface' && flags.detector !== 'res10') throw new Error(`--detector must be blazeface or res10, got '${flags.detector}'`);
  let model: DetectorSpec['model'];
  if (flags.faceModel !== undefined) {
    if (flags.detector !== 'res10') throw new Error('--face-model is for --detector res10');
    const [prototxt, caffemodel, ...rest] = flags.faceModel.split(',');
    if (!prototxt || !caffemodel || rest.length > 0) throw new Error(`--face-model must be <deploy.prototxt>,<model.caffemodel>, got '${flags.faceModel}'`);
    model = { prototxt, caffemodel };
  } else if (flags.detector === 'res10') {
    throw new Error('--detector res10 needs --face-model <deploy.prototxt>,<res10_300x300_ssd_iter_140000.caffemodel> (iCatcher+ ships them in its models zip)');
  }
  return detectorSpec({
    name: flags.detector,
    ...(flags.confidence !== undefined ? { confidence: flags.confidence } : {}),
    boxAdjustment: { scale: flags.boxScale ?? [1, 1], shiftY: flags.boxShift ?? 0 },
    ...(model ? { model } : {}),
  });
}
