// One frame of a planned video: background, light, the adult (if any), the child looking where the
// script says (blending over the 4 frames around each change), camera blur and noise.
import type { Mat } from '@u4/opencv4nodejs';
import { opencv } from '@gazecoder/opencv';

import { blendPose, drawFaceOn, gazePose, type Box, type DrawnFace, type GazePose } from './face';
import type { Segment } from './gaze-script';
import { cameraFinish } from './noise';
import type { FaceTrack, VideoPlan } from './plan';

/** What a frame shows, for checking labels and detections against. */
export interface FrameTruth {
  /** coder 1's label: the scripted gaze, or null when the child is out of frame */
  gaze: 'left' | 'right' | 'away' | null;
  child: DrawnFace | null;
  adult: Box | null;
  /** what covers part of the child's face (--difficulty), or null */
  occluder: Box | null;
}

/** The frame's background with shapes, made once per video. */
export function drawBackground(plan: VideoPlan, width: number, height: number): Mat {
  const cv = opencv();
  const bg = new cv.Mat(height, width, cv.CV_8UC3, [plan.background.x, plan.background.y, plan.background.z]);
  for (const s of plan.shapes) {
    const size = Math.round(s.size * height);
    const x = Math.round(s.x * width);
    const y = Math.round(s.y * height);
    if (s.kind === 'rect') bg.drawRectangle(new cv.Point2(x, y), new cv.Point2(x + size, y + Math.round(size * 0.7)), s.colour, -1);
    else bg.drawCircle(new cv.Point2(x, y), Math.round(size / 2), s.colour, -1, cv.LINE_AA);
  }
  return bg;
}

function segmentAt(segments: readonly Segment[], frame: number): number {
  return segments.findIndex((s) => frame >= s.start && frame < s.end);
}

const isGaze = (s: Segment | undefined): s is Segment & { kind: 'left' | 'right' | 'away' } => s !== undefined && s.kind !== 'no-face';

/**
 * The child's pose at `frame`: its segment's gaze, blended with the neighbour over the two frames
 * each side of a change (t = 1/8, 3/8 | 5/8, 7/8), so the label flips where the pose is halfway.
 */
function childPose(plan: VideoPlan, frame: number, random: () => number): GazePose {
  const i = segmentAt(plan.segments, frame);
  const s = plan.segments[i] as Segment & { kind: 'left' | 'right' | 'away' };
  const jitter = (): number => (random() - 0.5) * 0.1;
  const scale = plan.difficulty.gazeScale;
  const pose = (seg: Segment & { kind: 'left' | 'right' | 'away' }): GazePose => {
    const p = gazePose(plan.child.who, seg.kind, jitter());
    return scale === 1 ? p : { pupil: p.pupil * scale, pupilDown: p.pupilDown * scale, yaw: p.yaw * scale };
  };
  const before = plan.segments[i - 1];
  const after = plan.segments[i + 1];
  if (isGaze(before) && frame - s.start <= 1) return blendPose(pose(before), pose(s), 0.625 + 0.25 * (frame - s.start));
  if (isGaze(after) && s.end - frame <= 2) return blendPose(pose(s), pose(after), 0.375 - 0.25 * (s.end - 1 - frame));
  return pose(s);
}

/** The face's placement at `frame`: its spot plus a slow sway. */
function placement(t: FaceTrack, frame: number, width: number, height: number): { cx: number; cy: number; height: number } {
  const angle = (2 * Math.PI * frame) / t.period + t.phase;
  return { cx: (t.cx + t.swayX * Math.sin(angle)) * width, cy: (t.cy + t.swayY * Math.cos(angle)) * height, height: t.heightShare * height * (1 + 0.03 * Math.sin(angle / 2)) };
}

/** Draws frame `frame` of `plan` on a copy of `background`. */
export function renderFrame(plan: VideoPlan, background: Mat, frame: number, random: () => number): { image: Mat; truth: FrameTruth } {
  const cv = opencv();
  const image = background.copy();
  const { cols: width, rows: height } = image;
  const segment = plan.segments[segmentAt(plan.segments, frame)];
  const present = isGaze(segment);
  let adult: Box | null = null;
  let child: DrawnFace | null = null;
  // the adult holds the child; when the child is out of frame, so is the adult
  if (present && plan.adult) adult = drawFaceOn(image, plan.adult.who, gazePose(plan.adult.who, 'away', (random() - 0.5) * 0.1), placement(plan.adult, frame, width, height)).box;
  if (present) child = drawFaceOn(image, plan.child.who, childPose(plan, frame, random), placement(plan.child, frame, width, height));
  const occlusion = plan.difficulty.occlusion;
  let occluder: Box | null = null;
  if (child && occlusion && Math.sin((2 * Math.PI * frame) / occlusion.period + occlusion.phase) > occlusion.threshold) {
    // a hand or toy over one side of the face, eyes included
    const b = child.box;
    const width = Math.round(b.width * occlusion.share);
    occluder = { x: Math.round(occlusion.fromLeft ? b.x : b.x + b.width - width), y: Math.round(b.y + 0.15 * b.height), width, height: Math.round(0.85 * b.height) };
    image.drawRectangle(new cv.Point2(occluder.x, occluder.y), new cv.Point2(occluder.x + occluder.width, occluder.y + occluder.height), new cv.Vec3(90, 120, 170), -1);
  }
  const lit = image.convertTo(cv.CV_8UC3, plan.gain, plan.bias);
  return { image: cameraFinish(lit, random, plan.difficulty.blurSigma, plan.difficulty.noiseScale), truth: { gaze: present ? segment.kind : null, child, adult, occluder } };
}
