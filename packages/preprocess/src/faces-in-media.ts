// `gazecoder faces`: the boxes and scores a detector finds on each frame of an image or a video.
import { existsSync } from 'node:fs';
import { extname } from 'node:path';

import type { Mat } from '@u4/opencv4nodejs';

import { createDetector, detectorSpec } from './detect/create-detector';
import type { DetectorSpec } from './detect/detector';
import type { FaceBox } from './detect/face-box';
import { opencv } from '@gazecoder/opencv';
import { decodeFrames } from './video/frames';
import { probeVideo, VideoError } from './video/probe';

const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff', '.webp', '.pgm', '.ppm', '.pbm', '.jp2']);

/** The faces found on one frame (frame 0 for an image). */
export interface FrameFaces {
  frame: number;
  width: number;
  height: number;
  faces: FaceBox[];
}

export function isImageFile(path: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(path).toLowerCase());
}

function readImage(path: string): Mat {
  if (!existsSync(path)) throw new VideoError(path, 'no such file');
  let image: Mat | undefined;
  try {
    image = opencv().imread(path);
  } catch {
    image = undefined;
  }
  if (!image || image.empty) throw new VideoError(path, 'OpenCV cannot decode this image');
  // Grey or RGBA images become BGR, the detectors' input.
  if (image.channels === 1) return image.cvtColor(opencv().COLOR_GRAY2BGR);
  if (image.channels === 4) return image.cvtColor(opencv().COLOR_BGRA2BGR);
  return image;
}

/** Detects faces on an image (one frame) or on every frame of a video, frame by frame. */
export async function* detectFaces(path: string, detector: Partial<DetectorSpec> = {}): AsyncGenerator<FrameFaces> {
  const faceDetector = createDetector(detectorSpec(detector));
  const image = isImageFile(path);
  // ffprobe first: it says clearly why a file is not a readable video.
  if (!image) await probeVideo(path);
  const frames: Iterable<Mat> = image ? [readImage(path)] : decodeFrames(path);
  let index = 0;
  for (const frame of frames) {
    const [faces = []] = faceDetector.detect([frame]);
    yield { frame: index, width: frame.cols, height: frame.rows, faces };
    index += 1;
    // Let the event loop breathe between frames (output, signals).
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (index === 0) throw new VideoError(path, 'no frame could be decoded');
}
