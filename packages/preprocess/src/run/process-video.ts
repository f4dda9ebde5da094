// One video, start to finish: probe, parse the codings, decode every frame once, detect faces on
// the frames that need them (in batches), select and crop one face per frame, and write the video's
// folder of the packed dataset (and optionally iCatcher+'s layout). Runs inside a worker process.
import type { Mat } from '@u4/opencv4nodejs';

import { type Coding, codingFormatOf, type DoneVideo, LABEL, labelAt, readHumanCoding } from '@gazecoder/formats';
import { IcatcherExportWriter } from '../dataset/icatcher-export';
import { VideoFolderWriter } from '../dataset/video-folder';
import { videoStats } from '../dataset/video-stats';
import type { FaceDetector } from '../detect/detector';
import type { FaceBox } from '../detect/face-box';
import { boxFeatures } from '../faces/box-features';
import { cropFace } from '../faces/crop';
import { faceSelector, type FaceSelection } from '../faces/face-selection';
import { decodeFrames } from '../video/frames';
import { probeVideo, VideoError } from '../video/probe';

/** One video to process, with its coding files (absolute paths). */
export interface VideoTask {
  id: string;
  video: string;
  coder1: string;
  coder2?: string;
  /** VCX codings: the `HH:MM:SS:FF` video-start timestamp */
  videoStart?: string;
}

export interface ProcessSettings {
  datasetDir: string;
  imageSize: number;
  faceSelection: FaceSelection;
  /** detect on every frame, not only on frames coder 1 labelled */
  allFrames: boolean;
  exportIcatcher: boolean;
}

/** What processing one video gives: its manifest entry once done, less who it is and where it is from. */
export type VideoResult = Omit<DoneVideo, 'id' | 'split' | 'childId' | 'source' | 'status'>;

/** Called every few frames: frames decoded so far, and the expected total (0 when unknown). */
export type ProgressCallback = (frame: number, expectedFrames: number) => void;

/** VCX codings count frames at 30 fps; iCatcher+ asserts the video is 30 ± 0.1 fps. */
function checkVcxFrameRate(task: VideoTask, fps: number, variable: boolean): void {
  for (const file of [task.coder1, task.coder2]) {
    if (!file || codingFormatOf(file) !== 'vcx') continue;
    if (variable || Math.abs(fps - 30) > 0.1) {
      throw new VideoError(task.video, `VCX coding ${file} counts frames at 30 fps, but the video is ${variable ? 'variable frame rate' : `${fps.toFixed(3)} fps`}`);
    }
  }
}

interface PendingFrame {
  index: number;
  mat: Mat;
}

export async function processVideo(task: VideoTask, settings: ProcessSettings, detector: FaceDetector, onProgress?: ProgressCallback): Promise<VideoResult> {
  const probe = await probeVideo(task.video);
  checkVcxFrameRate(task, probe.fps, probe.variableFrameRate);
  const timeBase = probe.variableFrameRate ? ('ms' as const) : { fps: probe.fps };
  const coding1 = await readHumanCoding(task.coder1, { timeBase, videoStart: task.videoStart });
  const coding2 = task.coder2 ? await readHumanCoding(task.coder2, { timeBase, videoStart: task.videoStart }) : undefined;
  const expected = probe.packetTimesMs.length;

  const writer = await VideoFolderWriter.create(settings.datasetDir, task.id, settings.imageSize);
  const exporter = settings.exportIcatcher ? await IcatcherExportWriter.create(settings.datasetDir, task.id) : undefined;
  try {
    const selector = faceSelector(settings.faceSelection);
    const labels: number[] = [];
    const frameCrop: number[] = [];
    const faceIndex: number[] = [];
    const timestamps: number[] = [];
    let pending: PendingFrame[] = [];

    const flush = async (): Promise<void> => {
      const detections = await detector.detect(pending.map((p) => p.mat));
      for (let i = 0; i < pending.length; i += 1) {
        const { index, mat } = pending[i] as PendingFrame;
        const boxes = detections[i] as FaceBox[];
        if (exporter) for (let b = 0; b < boxes.length; b += 1) await exporter.addFace(index, b, mat, boxes[b] as FaceBox);
        const selected = selector.select(boxes, mat.cols, mat.rows);
        if (selected < 0) continue;
        const box = boxes[selected] as FaceBox;
        const data = mat.getData();
        const rgb = cropFace({ data, width: mat.cols, height: mat.rows }, box, settings.imageSize);
        frameCrop[index] = await writer.addCrop(rgb, boxFeatures(box, mat.cols, mat.rows));
        faceIndex[index] = selected;
      }
      pending = [];
    };

    // A frame's position for a coding: its index (frame codings) or its time in ms (VFR codings).
    const stamp = (coding: Coding, index: number, ms: number): number => (coding.unit === 'ms' ? ms : index);
    let index = 0;
    for (const mat of decodeFrames(task.video)) {
      let ms = (index * 1000) / probe.fps;
      if (probe.variableFrameRate) {
        const t = probe.packetTimesMs[index];
        if (t === undefined) throw new VideoError(task.video, `OpenCV decodes more frames than the ${expected} packets ffprobe lists; cannot time frame ${index}`);
        ms = t;
      }
      const label1 = labelAt(coding1, stamp(coding1, index, ms));
      const label2 = coding2 ? labelAt(coding2, stamp(coding2, index, ms)) : LABEL.noface;
      labels.push(label1, label2);
      frameCrop.push(-1);
      faceIndex.push(LABEL.noface);
      timestamps.push(ms);
      if (settings.allFrames || label1 >= 0) {
        pending.push({ index, mat });
        if (pending.length >= detector.batchSize) await flush();
      }
      index += 1;
      if (onProgress && index % 25 === 0) onProgress(index, expected);
    }
    await flush();
    if (index === 0) throw new VideoError(task.video, 'no frame could be decoded');
    if (probe.variableFrameRate && index !== expected) {
      throw new VideoError(task.video, `ffprobe lists ${expected} frames but OpenCV decoded ${index}; cannot time the frames of this variable-frame-rate video`);
    }
    onProgress?.(index, expected);

    const labelArray = Int8Array.from(labels);
    const frameCropArray = Int32Array.from(frameCrop);
    const faceIndexArray = Int16Array.from(faceIndex);
    const crops = await writer.finish({ labels: labelArray, frameCrop: frameCropArray, faceIndex: faceIndexArray, timestamps: Float64Array.from(timestamps) });
    if (exporter) {
      const coder = (k: 0 | 1): Int8Array => labelArray.filter((_, i) => i % 2 === k);
      const gaze = coder(0);
      // iCatcher+'s face_labels are −2 wherever the frame has no coder-1 label.
      const faces = faceIndexArray.map((f, i) => ((gaze[i] as number) >= 0 ? f : LABEL.noface));
      await exporter.finish(gaze, faces, coding2 ? coder(1) : undefined);
    }
    return {
      frames: index,
      crops,
      fps: probe.variableFrameRate ? probe.averageFps : probe.fps,
      variableFrameRate: probe.variableFrameRate,
      width: probe.width,
      height: probe.height,
      stats: videoStats(labelArray, frameCropArray),
    };
  } catch (error) {
    await writer.discard();
    await exporter?.discard();
    throw error;
  }
}
