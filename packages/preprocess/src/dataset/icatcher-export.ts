// iCatcher+'s preprocessed layout (icatcher-plus.md §5.2), for interoperability: every detected face
// as a native-resolution PNG faces/<vid>/img/{frame:05d}_{i}.png with its box dict
// faces/<vid>/box/{frame:05d}_{i}.npy, and the label arrays gaze_labels.npy, face_labels.npy and
// gaze_labels_second.npy (int64, −2 where iCatcher+ has −2).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';

import type { Mat } from '@u4/opencv4nodejs';

import type { FaceBox } from '../detect/face-box';
import { boxFeatures } from '../faces/box-features';
import { encodePickledDictNpy, writeFileAtomic, writeNpy } from '@gazecoder/formats';
import { opencv } from '@gazecoder/opencv';
import { StagedFolder } from './staging';

export class IcatcherExportWriter {
  private constructor(private readonly folder: StagedFolder) {}

  static async create(datasetDir: string, id: string): Promise<IcatcherExportWriter> {
    const folder = await StagedFolder.create(join(datasetDir, 'faces', id));
    await mkdir(join(folder.path, 'img'));
    await mkdir(join(folder.path, 'box'));
    return new IcatcherExportWriter(folder);
  }

  /** Saves face `i` of frame `frame` (BGR) as iCatcher+ does: the crop PNG and its box-feature dict. */
  async addFace(frame: number, i: number, image: Mat, box: FaceBox): Promise<void> {
    const cv = opencv();
    const name = `${String(frame).padStart(5, '0')}_${i}`;
    cv.imwrite(join(this.folder.path, 'img', `${name}.png`), image.getRegion(new cv.Rect(box.x, box.y, box.width, box.height)));
    const [size, ver, hor, height, width] = boxFeatures(box, image.cols, image.rows);
    const dict = {
      face_box: [box.y, box.y + box.height, box.x, box.x + box.width],
      img_shape: [image.rows, image.cols, image.channels],
      face_size: size,
      face_ver: ver,
      face_hor: hor,
      face_height: height,
      face_width: width,
    };
    await writeFileAtomic(join(this.folder.path, 'box', `${name}.npy`), encodePickledDictNpy(dict));
  }

  /** Writes the label arrays and publishes faces/<vid>. `secondLabels` only when there is a coder 2. */
  async finish(gazeLabels: Int8Array, faceLabels: Int16Array, secondLabels?: Int8Array): Promise<void> {
    const int64 = (a: ArrayLike<number>): { data: BigInt64Array; shape: number[] } => ({ data: BigInt64Array.from(Array.from(a, BigInt)), shape: [a.length] });
    await writeNpy(join(this.folder.path, 'gaze_labels.npy'), int64(gazeLabels));
    await writeNpy(join(this.folder.path, 'face_labels.npy'), int64(faceLabels));
    if (secondLabels) await writeNpy(join(this.folder.path, 'gaze_labels_second.npy'), int64(secondLabels));
    await this.folder.publish();
  }

  async discard(): Promise<void> {
    await this.folder.discard();
  }
}
