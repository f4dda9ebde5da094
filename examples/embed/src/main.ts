// gazecoder embedded in a host application: the runtime, a model's forward pass, one epoch of training
// that an AbortSignal could stop, and annotating a video, while the host's own event loop is measured.
//   npm run build && npm start -- [work folder]
// Prints one JSON object; exits 1 when the event loop's p99 delay during training exceeds 100 ms.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import { Model, annotateVideos, preprocess, runtimeInfo, synthesize, train } from 'gazecoder';

// A 3-stage RegNet-Y small enough to train on two CPU cores in seconds; any torchvision name works too.
const ARCH = 'regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25';
const MAX_P99_MS = 100;

async function main(): Promise<void> {
  const work = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'gazecoder-embed-'));
  const info = runtimeInfo();

  // A forward pass: 2 windows of 5 face crops (3×100×100) and their 5 box features.
  const model = await Model.create({ arch: ARCH, kind: 'gaze', device: 'cpu' });
  const images = { data: new Float32Array(2 * 5 * 3 * 100 * 100).fill(0.5), shape: [2, 5, 3, 100, 100] };
  const boxes = { data: new Float32Array(2 * 5 * 5).fill(0.25), shape: [2, 5, 5] };
  const logits = await model.forward(images, boxes);
  model.dispose(); // native memory goes now, not at garbage collection

  // A synthetic Lookit-format set, preprocessed into the packed dataset that training reads.
  const raw = join(work, 'raw');
  const dataset = join(work, 'dataset');
  await synthesize({ out: raw, videos: 3, seconds: 4, seed: 1 });
  const prep = await preprocess({ raw, out: dataset, jobs: 1 });

  // One epoch, with an AbortSignal (a host would abort on shutdown); the loop delay is measured meanwhile.
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort()); // Ctrl-C ends the run after its current step
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let done: { reason: string; bestCheckpoint: string | null } | undefined;
  for await (const event of train({ dataset, out: join(work, 'run'), arch: ARCH, batchSize: 8, epochs: 1, device: 'cpu', seed: 1 }, { signal: controller.signal })) {
    if (event.type === 'done') done = event;
  }
  delay.disable();
  const p99 = delay.percentile(99) / 1e6;
  if (done?.bestCheckpoint == null) throw new Error(`training ended without a checkpoint (${done?.reason ?? 'no result'})`);

  // Code one of the videos with the checkpoint just trained.
  const videos = join(raw, 'videos');
  const [video] = readdirSync(videos).sort();
  if (video === undefined) throw new Error(`${videos}: no video`);
  const annotated = await annotateVideos({ source: join(videos, video), model: done.bestCheckpoint, outputDir: join(work, 'annotation'), device: 'cpu' });

  const result = {
    torchVersion: info.torchVersion,
    logitsShape: logits.shape,
    preprocessed: prep.processed.length,
    training: { reason: done.reason, checkpoint: done.bestCheckpoint },
    eventLoopDelayMs: { p50: delay.percentile(50) / 1e6, p99, max: delay.max / 1e6 },
    annotated: annotated.annotated.flatMap((a) => a.outputs),
    failed: annotated.failed.length,
  };
  console.log(JSON.stringify(result));
  if (p99 > MAX_P99_MS) {
    console.error(`event loop p99 delay ${p99.toFixed(1)} ms during training exceeds ${MAX_P99_MS} ms`);
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
