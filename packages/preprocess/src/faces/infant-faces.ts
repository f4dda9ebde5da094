// iCatcher+'s infant-face classifier on a frame's faces (cli.py select_face with --use_fc_model): each
// box cropped from the RGB frame and classified, all of a frame's faces in one batch; the boxes come
// back marked `infant`. A box with no area (iCatcher+ would fail on its empty crop) is not an infant's.
import type { Mat } from '@u4/opencv4nodejs';
import { opencv } from '@gazecoder/opencv';
import { resolveModelFile } from '@gazecoder/models';
import { InfantFaceClassifier } from '@gazecoder/torch';
import { existsSync } from 'node:fs';

import type { FaceBox } from '../detect/face-box';

/** iCatcher+'s classifiers by the name its --fc_model files carry: face_classifier_<name>.pth. */
export const FACE_CLASSIFIERS = ['lookit', 'cali-bw', 'senegal'] as const;

/** Where the classifier's weights are and where it runs. */
export interface FaceClassifierSpec {
  /** a file, a cached model's name, or one of FACE_CLASSIFIERS */
  weights: string;
  /** `cpu`, `cuda`, `cuda:N` or `auto` (default `cpu`) */
  device?: string;
}

/** The weights file a classifier choice names (a bare `lookit` is iCatcher+'s cached face_classifier_lookit.pth). */
export function faceClassifierWeights(choice: string): string {
  const name = (FACE_CLASSIFIERS as readonly string[]).includes(choice) ? `face_classifier_${choice}.pth` : choice;
  const file = resolveModelFile(name);
  if (!existsSync(file)) throw new Error(`${file}: no such file (--face-classifier takes ${FACE_CLASSIFIERS.join(', ')}, a cached model's name or a .pth file)`);
  return file;
}

export class InfantFaces {
  private constructor(private readonly classifier: InfantFaceClassifier) {}

  static async load(spec: FaceClassifierSpec): Promise<InfantFaces> {
    const weights = faceClassifierWeights(spec.weights);
    return new InfantFaces(await InfantFaceClassifier.load({ weights, ...(spec.device ? { device: spec.device } : {}) }));
  }

  /** `boxes` of the BGR `frame`, each marked whether the classifier calls it an infant's face (label 0). */
  async mark(frame: Mat, boxes: readonly FaceBox[]): Promise<FaceBox[]> {
    const cv = opencv();
    const usable = boxes.filter((b) => b.width > 0 && b.height > 0);
    const crops = usable.map((b) => {
      const rgb = frame.getRegion(new cv.Rect(b.x, b.y, b.width, b.height)).cvtColor(cv.COLOR_BGR2RGB);
      return { data: rgb.getData(), width: b.width, height: b.height };
    });
    const classes = crops.length > 0 ? await this.classifier.classify(crops) : [];
    const infant = new Map(usable.map((b, i) => [b, classes[i]?.label === 0]));
    return boxes.map((b) => ({ ...b, infant: infant.get(b) ?? false }));
  }

  dispose(): void {
    this.classifier.dispose();
  }
}
