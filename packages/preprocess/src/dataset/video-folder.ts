// Writes one video's folder of the packed dataset (docs/dataset-format.md): crops stream to disk as they
// come, the per-frame arrays at the end, and the folder appears under videos/<id> only when complete.
import { join } from 'node:path';

import { NpyAppender, writeNpy } from '@gazecoder/formats';
import { StagedFolder } from './staging';

/** The per-frame arrays of one video (F frames). */
export interface FrameArrays {
  /** F×2 coder-1, coder-2 labels, −2 invalid */
  labels: Int8Array;
  /** crop index per frame, −1 none */
  frameCrop: Int32Array;
  /** selected face among the detections, −2 none */
  faceIndex: Int16Array;
  /** ms from the start of the video */
  timestamps: Float64Array;
}

export function videoFolder(datasetDir: string, id: string): string {
  return join(datasetDir, 'videos', id);
}

export class VideoFolderWriter {
  private boxes: number[] = [];

  private constructor(
    private readonly folder: StagedFolder,
    private readonly crops: NpyAppender,
  ) {}

  static async create(datasetDir: string, id: string, imageSize: number): Promise<VideoFolderWriter> {
    const folder = await StagedFolder.create(videoFolder(datasetDir, id));
    return new VideoFolderWriter(folder, await NpyAppender.create(join(folder.path, 'crops.npy'), 'u1', [imageSize, imageSize, 3]));
  }

  /** Adds an RGB S×S crop and its 5 box features; returns its crop index. */
  async addCrop(rgb: Uint8Array, features: readonly number[]): Promise<number> {
    await this.crops.append(rgb);
    this.boxes.push(...features);
    return this.boxes.length / 5 - 1;
  }

  /** Writes the remaining arrays and publishes the folder; returns the number of crops. */
  async finish(arrays: FrameArrays): Promise<number> {
    const count = await this.crops.close();
    const path = this.folder.path;
    const frames = arrays.frameCrop.length;
    await writeNpy(join(path, 'boxes.npy'), { data: Float32Array.from(this.boxes), shape: [count, 5] });
    await writeNpy(join(path, 'frame_crop.npy'), { data: arrays.frameCrop, shape: [frames] });
    await writeNpy(join(path, 'labels.npy'), { data: arrays.labels, shape: [frames, 2] });
    await writeNpy(join(path, 'face_index.npy'), { data: arrays.faceIndex, shape: [frames] });
    await writeNpy(join(path, 'timestamps.npy'), { data: arrays.timestamps, shape: [frames] });
    await this.folder.publish();
    return count;
  }

  async discard(): Promise<void> {
    await this.crops.close().catch(() => undefined);
    await this.folder.discard();
  }
}
