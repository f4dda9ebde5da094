// What each synthetic video shows, decided up front from the seed: who, where, in what light, the
// gaze script, which child and split it belongs to.
import type { Vec3 } from '@u4/opencv4nodejs';
import { opencv } from '@gazecoder/opencv';

import { identity, type Identity } from './face';
import { gazeScript, type Segment } from './gaze-script';
import { integer, rng, shuffled, uniform, uuid } from '@gazecoder/formats';

export type WhichDataset = '1_train' | '1_validate' | '2_test';

/** A shape on the background (BGR colour; a rectangle or a filled circle). */
export interface BackgroundShape {
  kind: 'rect' | 'circle';
  x: number;
  y: number;
  size: number;
  colour: Vec3;
}

/** Where a face sits, and how it sways over time (share of the frame). */
export interface FaceTrack {
  who: Identity;
  cx: number;
  cy: number;
  heightShare: number;
  swayX: number;
  swayY: number;
  /** sway period in frames, and phase */
  period: number;
  phase: number;
}

export interface VideoPlan {
  index: number;
  id: string;
  childId: string;
  which: WhichDataset;
  skinTone: number;
  frames: number;
  segments: Segment[];
  background: Vec3;
  shapes: BackgroundShape[];
  /** lighting: pixel × gain + bias */
  gain: number;
  bias: number;
  child: FaceTrack;
  /** a second, adult face higher in the frame, or none */
  adult: FaceTrack | null;
  /** seed of the per-frame randomness (pupil jitter, noise) */
  frameSeed: number;
  /** how hard the video is to code: 0 as drawn by default, up to 1 (see {@link Difficulty}) */
  difficulty: Difficulty;
}

/**
 * What a difficulty d in [0, 1] does to a video (d = 0 changes nothing): sensor noise × (1 + 2d),
 * camera blur σ = 1 + 1.5d, light gain × (1 − 0.5d) and bias − 25d (a dim room), the gaze's pupil and
 * head turn × (1 − 0.55d) (subtler looks), and an occluder (a hand, a toy) over part of the face for
 * about 35 % × d of the frames, in stretches.
 */
export interface Difficulty {
  level: number;
  noiseScale: number;
  blurSigma: number;
  gazeScale: number;
  /** occluded while sin(2π frame / period + phase) > threshold */
  occlusion: { threshold: number; period: number; phase: number; share: number; fromLeft: boolean } | null;
}

export function difficultyOf(level: number, random: () => number, fps: number): Difficulty {
  const occlusion = level > 0 ? { threshold: Math.cos(Math.PI * 0.35 * level), period: uniform(random, 3, 6) * fps, phase: uniform(random, 0, 2 * Math.PI), share: uniform(random, 0.3, 0.55), fromLeft: random() < 0.5 } : null;
  return { level, noiseScale: 1 + 2 * level, blurSigma: 1 + 1.5 * level, gazeScale: 1 - 0.55 * level, occlusion };
}

export interface PlanOptions {
  videos: number;
  frames: number;
  fps: number;
  seed: number;
  /** 0 (default) … 1: see {@link Difficulty} */
  difficulty?: number;
}

/**
 * Children and their splits: most children have one video, every fifth video is a second session of
 * the previous child. Children (not videos) are split, as in iCatcher+: about 20 % test, 10 %
 * validation, at least one child each.
 */
function children(videos: number, random: () => number): { childOf: number[]; which: WhichDataset[] } {
  const childOf: number[] = [];
  for (let v = 0, c = -1; v < videos; v += 1) childOf.push(v % 5 === 4 ? c : (c += 1));
  const count = (childOf.at(-1) ?? 0) + 1;
  const order = shuffled(random, Array.from({ length: count }, (_, i) => i));
  const tests = Math.max(1, Math.round(0.2 * count));
  const vals = Math.max(1, Math.round(0.1 * count));
  const which: WhichDataset[] = new Array<WhichDataset>(count).fill('1_train');
  order.forEach((child, rank) => (which[child] = rank < tests ? '2_test' : rank < tests + vals ? '1_validate' : '1_train'));
  return { childOf, which };
}

function track(who: Identity, random: () => number, cx: number, cy: number, heightShare: number, sway: number, fps: number): FaceTrack {
  return { who, cx, cy, heightShare, swayX: sway * uniform(random, 0.5, 1), swayY: sway * uniform(random, 0.2, 0.5), period: uniform(random, 3, 8) * fps, phase: uniform(random, 0, 2 * Math.PI) };
}

/** The plan of every video, from `options.seed` alone. */
export function planVideos(options: PlanOptions): VideoPlan[] {
  const cv = opencv();
  const random = rng(options.seed * 7919 + 17);
  const level = options.difficulty ?? 0;
  const { childOf, which } = children(options.videos, random);
  const childIds = which.map(() => uuid(random).slice(0, 8));
  const childLooks = which.map(() => ({ seed: integer(random, 1, 1 << 30), tone: uniform(random, 0.1, 1) }));
  return childOf.map((child, index) => {
    const look = childLooks[child] as { seed: number; tone: number };
    // the same child keeps its face across sessions; everything else changes
    const who = identity(rng(look.seed), look.tone);
    const colour = (): Vec3 => new cv.Vec3(uniform(random, 30, 230), uniform(random, 30, 230), uniform(random, 30, 230));
    const shapes: BackgroundShape[] = Array.from({ length: integer(random, 2, 5) }, () => ({
      kind: random() < 0.5 ? 'rect' : 'circle',
      x: random(),
      y: random(),
      size: uniform(random, 0.1, 0.35),
      colour: colour(),
    }));
    const childSide = random() < 0.5 ? -1 : 1;
    const childTrack = track(who, random, 0.5 + childSide * uniform(random, 0, 0.08), uniform(random, 0.56, 0.64), uniform(random, 0.38, 0.55), 0.03, options.fps);
    // about 40 % of the videos (always the second) show an adult too, up and to the other side
    const withAdult = index === 1 || random() < 0.4;
    const adult = withAdult
      ? track(identity(random, uniform(random, 0.1, 1)), random, 0.5 - childSide * uniform(random, 0.36, 0.4), uniform(random, 0.22, 0.28), uniform(random, 0.3, 0.38), 0.015, options.fps)
      : null;
    return {
      index,
      id: uuid(random),
      childId: childIds[child] as string,
      which: which[child] as WhichDataset,
      skinTone: look.tone,
      frames: options.frames,
      segments: gazeScript(random, options.frames, options.fps),
      background: colour(),
      shapes,
      gain: uniform(random, 0.75, 1.15) * (1 - 0.5 * level),
      bias: uniform(random, -20, 20) - 25 * level,
      child: childTrack,
      adult,
      frameSeed: integer(random, 1, 1 << 30),
      // drawn from its own stream, so that a difficulty of 0 leaves every other choice as it was
      difficulty: difficultyOf(level, rng(options.seed * 104729 + index), options.fps),
    };
  });
}
