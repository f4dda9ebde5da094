// What the annotate tests code: a real ffmpeg video of drawn faces with a stretch without a face, and
// a regnet_y_400mf checkpoint saved by `gazecoder model` with seeded weights (python/sharpen_model.py).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { rng } from '@gazecoder/formats';
import { drawFace, identity, writeVideo, type Gaze } from '@gazecoder/synth';

import { gazecoder, python } from './run';

export const FACE_FRAMES = 20;
export const BLANK_FRAMES = 5;
/** Frames of the video: faces, the stretch without one, faces again. */
export const TOTAL_FRAMES = 2 * FACE_FRAMES + BLANK_FRAMES;

export interface AnnotateFixture {
  video: string;
  /** the saved model as `gazecoder model` initialised it */
  randomModel: string;
  /** its keys with seeded weights */
  checkpoint: string;
}

/** Where {@link makeAnnotateFixture} writes in `dir`. */
export function annotateFixturePaths(dir: string): AnnotateFixture {
  return { video: join(dir, 'videos', 'baby.mp4'), randomModel: join(dir, 'random.pth'), checkpoint: join(dir, 'model.pth') };
}

/** Writes `<dir>/videos/baby.mp4`, `<dir>/random.pth` and `<dir>/model.pth`. */
export function makeAnnotateFixture(dir: string): AnnotateFixture {
  const fixture = annotateFixturePaths(dir);
  mkdirSync(join(dir, 'videos'));
  const random = rng(11);
  // Three people in turn, 7 frames each: different enough for a random model to answer differently.
  const people = [identity(random), identity(random), identity(random)];
  const who = people[0]!;
  const gazes: Gaze[] = ['left', 'right', 'away'];
  const faces = (n: number, offset: number) =>
    Array.from({ length: n }, (_, i) => {
      const segment = Math.floor((i + offset) / 7) % 3;
      return drawFace(people[segment]!, gazes[segment] as Gaze, 320, 240, random).frame;
    });
  // A stretch without a face: the background alone.
  const blank = Array.from({ length: BLANK_FRAMES }, () => drawFace(who, 'left', 320, 240, random).frame.setTo(who.background));
  writeVideo(fixture.video, [...faces(FACE_FRAMES, 0), ...blank, ...faces(FACE_FRAMES, 3)]);
  const saved = gazecoder('model', '--arch', 'regnet_y_400mf', '--save', fixture.randomModel);
  expect(saved.stderr).toBe('');
  expect(saved.code).toBe(0);
  const sharpen = python('sharpen_model.py', fixture.randomModel, fixture.checkpoint);
  expect(sharpen.stderr).toBe('');
  expect(sharpen.code).toBe(0);
  return fixture;
}
