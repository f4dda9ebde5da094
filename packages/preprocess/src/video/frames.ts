// Decoding a video once, frame by frame, with OpenCV (BGR Mats, as iCatcher+'s cv2.VideoCapture).
import type { Mat, VideoCapture } from '@u4/opencv4nodejs';

import { opencv } from '@gazecoder/opencv';
import { VideoError } from './probe';

/** Opens `file` for sequential decoding; throws a {@link VideoError} naming the file. */
export function openVideo(file: string): VideoCapture {
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
