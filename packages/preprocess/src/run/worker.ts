// Entry point of a worker process: loads the detector once, then processes the videos it is sent.
import { createDetector } from '../detect/create-detector';
import type { FaceDetector } from '../detect/detector';
import { opencv } from '@gazecoder/opencv';
import { setThreads } from '@gazecoder/torch';
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
    // Several workers share the cores: one OpenCV (and LibTorch, for RetinaFace) thread each avoids oversubscription.
    opencv().setNumThreads(message.openCvThreads);
    if (message.detector.name === 'retinaface' && message.openCvThreads > 0) setThreads(message.openCvThreads);
    createDetector(message.detector).then(
      (made) => {
        detector = made;
        settings = message.settings;
        send({ type: 'ready' });
      },
      (error: unknown) => send({ type: 'fatal', error: errorText(error) }),
    );
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
