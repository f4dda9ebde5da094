// Entry point of the process that detectFaces() (faces-in-media.ts) starts: decodes the image or
// video and detects faces frame by frame, sending each frame's boxes as soon as they are found and
// staying at most `credits` frames ahead of what the caller has taken.
import type { Mat } from '@u4/opencv4nodejs';

import { createDetector, detectorSpec } from './detect/create-detector';
import { isImageFile, readImage, type FacesFromWorker, type FacesToWorker } from './faces-in-media';
import { decodeFrames } from './video/frames';
import { probeVideo, VideoError } from './video/probe';

const send = (message: FacesFromWorker): void => {
  if (process.connected) process.send?.(message);
};

let credits = 0;
let wake: (() => void) | undefined;

async function run(path: string, message: Extract<FacesToWorker, { type: 'start' }>): Promise<void> {
  credits = message.credits;
  const detector = await createDetector(detectorSpec(message.detector));
  const image = isImageFile(path);
  // ffprobe first: it says clearly why a file is not a readable video.
  if (!image) await probeVideo(path);
  const frames: Iterable<Mat> = image ? [readImage(path)] : decodeFrames(path);
  let index = 0;
  for (const frame of frames) {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    const [faces = []] = await detector.detect([frame]);
    credits -= 1;
    send({ type: 'frame', frame: { frame: index, width: frame.cols, height: frame.rows, faces } });
    index += 1;
  }
  if (index === 0) throw new VideoError(path, 'no frame could be decoded');
}

process.on('message', (message: FacesToWorker) => {
  if (message.type === 'more') {
    credits += message.frames;
    wake?.();
    wake = undefined;
    return;
  }
  run(message.path, message).then(
    () => send({ type: 'done' }),
    (error: unknown) => send({ type: 'error', message: error instanceof Error ? error.message : String(error), ...(error instanceof VideoError ? { file: error.file } : {}) }),
  );
});

// The caller going away (it stopped iterating, or exited) ends this process too.
process.on('disconnect', () => process.exit(0));
