// Procedurally drawn faces (build-environment.md §10) that BlazeFace detects in every gaze state, so
// synthetic videos go through the same detect → crop path as real ones.
import type { Mat, Point2, Size, Vec3 } from '@u4/opencv4nodejs';
import { opencv } from '@gazecoder/opencv';

import { cameraFinish } from './noise';
import { uniform } from '@gazecoder/formats';

/** Where a face looks. Left and right are the camera's point of view, as annotators code them. */
export type Gaze = 'left' | 'right' | 'centre' | 'away';

/** One person: the face's fixed look. */
export interface Identity {
  background: Vec3;
  skin: Vec3;
  hair: Vec3;
  /** face height as a share of the frame height (for {@link drawFace}) */
  heightShare: number;
  /** width / height of the face ellipse */
  aspect: number;
  /** eye line above the centre, share of the face height */
  eyeLine: number;
  /** half the eye distance, share of the face width */
  eyeDistance: number;
  /** eye half-height, share of the face height */
  eyeHeight: number;
  mouthY: number;
  mouthWidth: number;
  /** head turn when looking away, share of the face width (sign: to the camera's right) */
  yaw: number;
}

/** Skin colours (BGR) from dark to light; a tone in [0, 1] interpolates between them. */
const SKIN_DARK = [45, 70, 110];
const SKIN_LIGHT = [175, 200, 240];

/**
 * A random identity. Without `skinTone` the skin is drawn from light tones only (what the
 * preprocess tests were tuned on); with it, the skin is that point between dark and light.
 */
export function identity(random: () => number, skinTone?: number): Identity {
  const cv = opencv();
  const u = (a: number, b: number): number => uniform(random, a, b);
  const who: Identity = {
    background: new cv.Vec3(u(40, 220), u(40, 220), u(40, 220)),
    skin: new cv.Vec3(u(120, 180), u(150, 200), u(200, 240)),
    hair: new cv.Vec3(u(10, 60), u(20, 70), u(30, 90)),
    heightShare: u(0.55, 0.75),
    aspect: u(0.78, 0.9),
    eyeLine: u(0.02, 0.1),
    eyeDistance: u(0.2, 0.25),
    eyeHeight: u(0.05, 0.07),
    mouthY: u(0.24, 0.3),
    mouthWidth: u(0.12, 0.2),
    yaw: u(0.15, 0.3) * (random() < 0.5 ? -1 : 1),
  };
  if (skinTone !== undefined) {
    const c = SKIN_DARK.map((d, i) => d + ((SKIN_LIGHT[i] as number) - d) * skinTone + u(-8, 8));
    who.skin = new cv.Vec3(c[0] as number, c[1] as number, c[2] as number);
  }
  return who;
}

/** The continuous pose behind a gaze: pupils and head turn, so transitions can be interpolated. */
export interface GazePose {
  /** pupil offset from the eye centre, in units of 0.6 eye half-widths (−: camera's left) */
  pupil: number;
  /** pupil offset downwards, in eye half-heights */
  pupilDown: number;
  /** head turn: features shifted sideways by yaw × face width (−: camera's left) */
  yaw: number;
}

/**
 * The pose of `gaze` for `who`. Left/right: pupils well off-centre and a slight head turn the same
 * way; away: a large head turn (at least 0.2, so it never looks like a sideways glance) with the
 * pupils following it and dropping a little. `jitter` varies the pupils.
 */
export function gazePose(who: Identity, gaze: Gaze, jitter = 0): GazePose {
  switch (gaze) {
    case 'left':
      return { pupil: -0.6 + jitter, pupilDown: 0, yaw: -0.06 };
    case 'right':
      return { pupil: 0.6 + jitter, pupilDown: 0, yaw: 0.06 };
    case 'away':
      return { pupil: 0.5 * Math.sign(who.yaw) + jitter, pupilDown: 0.45, yaw: Math.sign(who.yaw) * Math.max(Math.abs(who.yaw), 0.2) };
    case 'centre':
      return { pupil: jitter, pupilDown: 0, yaw: 0 };
  }
}

/** Linear interpolation between two poses (t = 0: a, 1: b). */
export function blendPose(a: GazePose, b: GazePose, t: number): GazePose {
  const mix = (x: number, y: number): number => x + (y - x) * t;
  return { pupil: mix(a.pupil, b.pupil), pupilDown: mix(a.pupilDown, b.pupilDown), yaw: mix(a.yaw, b.yaw) };
}

/** Where a face sits in the frame, in pixels. */
export interface Placement {
  cx: number;
  cy: number;
  /** height of the face ellipse */
  height: number;
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One drawn eye, in pixels: the white's centre and half-axes, and the pupil's centre. */
export interface DrawnEye {
  x: number;
  y: number;
  halfWidth: number;
  halfHeight: number;
  pupilX: number;
  pupilY: number;
}

/** What was drawn: the face ellipse's bounding box and both eyes (camera's left eye first). */
export interface DrawnFace {
  box: Box;
  eyes: DrawnEye[];
}

/** Draws `who` with `pose` at `at` onto the BGR image `canvas` (in place). */
export function drawFaceOn(canvas: Mat, who: Identity, pose: GazePose, at: Placement): DrawnFace {
  const cv = opencv();
  const { cx, cy } = at;
  const h = at.height;
  const w = h * who.aspect;
  const dx = pose.yaw * w;
  const p = (x: number, y: number): Point2 => new cv.Point2(Math.round(x), Math.round(y));
  const s = (a: number, b: number): Size => new cv.Size(Math.max(1, Math.round(a)), Math.max(1, Math.round(b)));

  canvas.drawEllipse(p(cx, cy), s(w / 2, h / 2), 0, 0, 360, who.skin, -1, cv.LINE_AA);
  // hair arc over the top of the head
  canvas.drawEllipse(p(cx, cy - h * 0.05), s(w / 2 + 2, h / 2 + 4), 0, 190, 350, who.hair, Math.max(3, Math.round(h * 0.08)), cv.LINE_AA);

  const eyeY = cy - h * who.eyeLine;
  // a turned head foreshortens the eye distance (0.85 at a typical look away)
  const half = w * who.eyeDistance * (1 - 0.6 * Math.abs(pose.yaw));
  const eyeW = 0.11 * w;
  const eyeH = who.eyeHeight * h;
  const eyes: DrawnEye[] = [];
  for (const side of [-1, 1]) {
    const ex = cx + dx + side * half;
    canvas.drawEllipse(p(ex, eyeY), s(eyeW, eyeH), 0, 0, 360, new cv.Vec3(250, 250, 250), -1, cv.LINE_AA);
    const px = ex + pose.pupil * 0.6 * eyeW;
    const py = eyeY + pose.pupilDown * eyeH;
    canvas.drawCircle(p(px, py), Math.max(2, Math.round(eyeH * 0.9)), new cv.Vec3(60, 80, 40), -1, cv.LINE_AA);
    canvas.drawCircle(p(px, py), Math.max(1, Math.round(eyeH * 0.45)), new cv.Vec3(10, 10, 10), -1, cv.LINE_AA);
    // eyebrow
    canvas.drawEllipse(p(ex, eyeY - 2.3 * eyeH), s(eyeW, eyeH * 0.6), 0, 200, 340, who.hair, Math.max(2, Math.round(0.025 * h)), cv.LINE_AA);
    eyes.push({ x: ex, y: eyeY, halfWidth: eyeW, halfHeight: eyeH, pupilX: px, pupilY: py });
  }
  // nose and mouth
  canvas.drawEllipse(p(cx + dx, cy + h * 0.08), s(w * 0.06, h * 0.06), 0, 0, 180, new cv.Vec3(90, 110, 160), 2, cv.LINE_AA);
  canvas.drawEllipse(p(cx + dx, cy + h * who.mouthY), s(w * who.mouthWidth, h * 0.06), 0, 0, 180, new cv.Vec3(60, 60, 200), -1, cv.LINE_AA);
  return { box: { x: Math.round(cx - w / 2), y: Math.round(cy - h / 2), width: Math.round(w), height: Math.round(h) }, eyes };
}

/**
 * One finished frame of `who` looking `gaze` on a plain background, near the centre (position and
 * pupils jitter with `random`); returns the frame and the face ellipse's bounding box.
 */
export function drawFace(who: Identity, gaze: Gaze, width: number, height: number, random: () => number): { frame: Mat; box: Box } {
  const cv = opencv();
  const frame = new cv.Mat(height, width, cv.CV_8UC3, [who.background.x, who.background.y, who.background.z]);
  const cx = width / 2 + (random() - 0.5) * 0.1 * width;
  const cy = height / 2 + (random() - 0.5) * 0.08 * height;
  const pose = gazePose(who, gaze, (random() - 0.5) * 0.16);
  const { box } = drawFaceOn(frame, who, pose, { cx, cy, height: who.heightShare * height });
  return { frame: cameraFinish(frame, random), box };
}
