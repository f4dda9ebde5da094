import type { Command } from 'commander';
import { detectFaces, type FaceBox, type FrameFaces } from '@gazecoder/preprocess';

import { addDetectorOptions, detectorFromFlags, type DetectorFlags } from '../detector-flags';

interface FacesOptions extends DetectorFlags {
  json?: boolean;
}

function describeFace(f: FaceBox): string {
  return `[x ${f.x}, y ${f.y}, w ${f.width}, h ${f.height}] score ${f.score.toFixed(3)}`;
}

function describeFrame(f: FrameFaces): string {
  const head = `frame ${f.frame}: ${f.faces.length} face${f.faces.length === 1 ? '' : 's'}`;
  return f.faces.length === 0 ? head : `${head}: ${f.faces.map(describeFace).join('; ')}`;
}

async function runFacesCommand(input: string, options: FacesOptions): Promise<void> {
  const spec = detectorFromFlags(options);
  // A closed pipe (`| head`) ends the listing quietly.
  let closed = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  const frames: FrameFaces[] = [];
  for await (const frame of detectFaces(input, spec)) {
    if (closed) return;
    if (options.json) frames.push(frame);
    else process.stdout.write(`${describeFrame(frame)}\n`);
  }
  if (options.json) {
    const first = frames[0];
    const faces = frames.map(({ frame, faces: boxes }) => ({ frame, faces: boxes }));
    process.stdout.write(`${JSON.stringify({ input, detector: spec.name, confidence: spec.confidence, width: first?.width, height: first?.height, frames: faces }, null, 2)}\n`);
  }
}

export function registerFacesCommand(program: Command): void {
  addDetectorOptions(
    program
      .command('faces')
      .description('print the faces a detector finds, with boxes and scores, on an image or on every frame of a video')
      .argument('<image|video>', 'an image (png, jpg, …) or a video file')
      .option('--json', 'print one JSON object with every frame'),
  ).action(runFacesCommand);
}
