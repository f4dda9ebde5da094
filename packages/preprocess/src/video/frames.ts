// Decoding a video once, frame by frame, with OpenCV (BGR Mats, as iCatcher+'s cv2.VideoCapture).
import { existsSync } from 'node:fs';

import type { Mat, VideoCapture } from '@u4/opencv4nodejs';

import { opencv } from '@gazecoder/opencv';
import { VideoError } from './probe';

/** `webcam` or `webcam:N`: camera N (default 0), as iCatcher+'s `--source_type webcam`. */
const WEBCAM = /^webcam(?::(\d+))?$/;

/** The camera index `source` names (`webcam`, `webcam:N`), or undefined for any other source. */
export function webcamIndex(source: string): number | undefined {
  const match = WEBCAM.exec(source);
  return match ? Number(match[1] ?? 0) : undefined;
}

/** Opens camera `index` (V4L2 on Linux, as cv2.VideoCapture(index)); throws naming it. */
function openWebcam(source: string, index: number): VideoCapture {
  const device = `/dev/video${index}`;
  // A missing device is said plainly (OpenCV would only say that it failed to open a capture).
  if (process.platform === 'linux' && !existsSync(device)) throw new VideoError(source, `no such camera (${device} does not exist)`);
  try {
    return new (opencv().VideoCapture)(index);
  } catch (error) {
    throw new VideoError(source, `OpenCV cannot open the camera ${device} (${String((error as Error)?.message ?? error)})`);
  }
}

/** Opens `file` (or a camera: `webcam[:N]`) for sequential decoding; throws a {@link VideoError} naming it. */
export function openVideo(file: string): VideoCapture {
  const camera = webcamIndex(file);
  if (camera !== undefined) return openWebcam(file, camera);
  try {
    // FFmpeg backend: the one iCatcher+'s cv2 uses for files, and the one ffprobe agrees with.
    const cv = opencv();
    return new cv.VideoCapture(file, cv.CAP_FFMPEG);
  } catch (error) {
    throw new VideoError(file, `OpenCV cannot open it (${String((error as Error)?.message ?? error)})`);
  }
}

/** Every frame of an opened capture, in order, each a new BGR Mat; the capture is released at the end. */
export function* framesOf(capture: VideoCapture): Generator<Mat> {
  try {
    for (;;) {
      const frame = capture.read();
      if (frame.empty) return;
      yield frame;
    }
  } finally {
    capture.release();
  }
}

/** Every frame of `file` in order, each a new BGR Mat. */
export function* decodeFrames(file: string): Generator<Mat> {
  yield* framesOf(openVideo(file));
}
