// Entry point of a worker process: loads the detector once, then processes the videos it is sent.
import { createDetector } from '../detect/create-detector';
import type { FaceDetector } from '../detect/detector';
import { opencv } from '@gazecoder/opencv';
import { processVideo, type ProcessSettings } from './process-video';
import type { FromWorker, ToWorker } from './worker-protocol';

function send(message: FromWorker): void {
  process.send?.(message);
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

let detector: FaceDetector | undefined;
let settings: ProcessSettings | undefined;

process.on('message', (message: ToWorker) => {
  if (message.type === 'init') {
    try {
      // Several workers share the cores: one OpenCV thread each avoids oversubscription.
      opencv().setNumThreads(message.openCvThreads);
      detector = createDetector(message.detector);
      settings = message.settings;
      send({ type: 'ready' });
    } catch (error) {
      send({ type: 'fatal', error: errorText(error) });
    }
    return;
  }
  const { task } = message;
  if (!detector || !settings) {
    send({ type: 'failed', id: task.id, error: 'worker was not initialised' });
    return;
  }
  processVideo(task, settings, detector, (frame, expected) => send({ type: 'progress', id: task.id, frame, expected }))
    .then((result) => send({ type: 'done', id: task.id, result }))
    .catch((error: unknown) => send({ type: 'failed', id: task.id, error: errorText(error) }));
});

// The coordinator going away (Ctrl-C, crash) ends the worker too.
process.on('disconnect', () => process.exit(0));
