// Procedurally drawn faces (build-environment.md §10) that BlazeFace detects in every gaze state, so
// synthetic videos go through the same detect → crop path as real ones.
import type { Mat, Point2, Size, Vec3 } from '@u4/opencv4nodejs';

import { opencv } from '../../src/opencv';

const cv = opencv();

/** A small seeded PRNG (xorshift32; shifts only, since Math calls are slow under jest), so fixtures are the same on every run. */
export function rng(seed: number): () => number {
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

/**
 * Pixel noise (σ ≈ 4, a sum of three uniforms) as saturating add/subtract images, made once per
 * frame size: per-pixel loops in JS are slow under jest.
 */
const noiseCache = new Map<string, Array<[Mat, Mat]>>();
function noiseImages(width: number, height: number): Array<[Mat, Mat]> {
  const key = `${width}x${height}`;
  let images = noiseCache.get(key);
  if (!images) {
    const random = rng(99);
    images = Array.from({ length: 8 }, () => {
      const up = Buffer.alloc(width * height * 3);
      const down = Buffer.alloc(width * height * 3);
      for (let i = 0; i < up.length; i += 1) {
        const n = (((random() + random() + random() - 1.5) * 8 + 8.5) | 0) - 8;
        if (n > 0) up[i] = n;
        else down[i] = -n;
      }
      return [new cv.Mat(up, height, width, cv.CV_8UC3), new cv.Mat(down, height, width, cv.CV_8UC3)] as [Mat, Mat];
    });
    noiseCache.set(key, images);
  }
  return images;
}

export type Gaze = 'left' | 'right' | 'centre' | 'away';

/** One person: the face's fixed look. Position jitters per frame. */
export interface Identity {
  background: Vec3;
  skin: Vec3;
  hair: Vec3;
  heightShare: number;
  aspect: number;
  eyeLine: number;
  eyeDistance: number;
  eyeHeight: number;
  mouthY: number;
  mouthWidth: number;
  yaw: number;
}

export function identity(random: () => number): Identity {
  const u = (a: number, b: number): number => a + (b - a) * random();
  return {
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
}

/** Draws `who` looking `gaze` on a BGR frame; returns the frame and the face ellipse's bounding box. */
export function drawFace(who: Identity, gaze: Gaze, width: number, height: number, random: () => number): { frame: Mat; box: { x: number; y: number; width: number; height: number } } {
  const frame = new cv.Mat(height, width, cv.CV_8UC3, [who.background.x, who.background.y, who.background.z]);
  const h = who.heightShare * height;
  const w = h * who.aspect;
  const cx = width / 2 + (random() - 0.5) * 0.1 * width;
  const cy = height / 2 + (random() - 0.5) * 0.08 * height;
  const yaw = gaze === 'away' ? who.yaw : 0;
  const dx = yaw * w;
  const p = (x: number, y: number): Point2 => new cv.Point2(Math.round(x), Math.round(y));
  const s = (a: number, b: number): Size => new cv.Size(Math.max(1, Math.round(a)), Math.max(1, Math.round(b)));

  frame.drawEllipse(p(cx, cy), s(w / 2, h / 2), 0, 0, 360, who.skin, -1, cv.LINE_AA);
  // hair arc over the top of the head
  frame.drawEllipse(p(cx, cy - h * 0.05), s(w / 2 + 2, h / 2 + 4), 0, 190, 350, who.hair, Math.max(3, Math.round(h * 0.08)), cv.LINE_AA);

  const eyeY = cy - h * who.eyeLine;
  const half = w * who.eyeDistance * (gaze === 'away' ? 0.85 : 1);
  const eyeW = 0.11 * w;
  const eyeH = who.eyeHeight * h;
  const pupilOffset = (gaze === 'left' ? -0.55 : gaze === 'right' ? 0.55 : gaze === 'away' ? 0.5 * Math.sign(yaw) : 0) + (random() - 0.5) * 0.16;
  for (const side of [-1, 1]) {
    const ex = cx + dx + side * half;
    frame.drawEllipse(p(ex, eyeY), s(eyeW, eyeH), 0, 0, 360, new cv.Vec3(250, 250, 250), -1, cv.LINE_AA);
    const px = ex + pupilOffset * 0.6 * eyeW;
    frame.drawCircle(p(px, eyeY), Math.max(2, Math.round(eyeH * 0.9)), new cv.Vec3(60, 80, 40), -1, cv.LINE_AA);
    frame.drawCircle(p(px, eyeY), Math.max(1, Math.round(eyeH * 0.45)), new cv.Vec3(10, 10, 10), -1, cv.LINE_AA);
    // eyebrow
    frame.drawEllipse(p(ex, eyeY - 2.3 * eyeH), s(eyeW, eyeH * 0.6), 0, 200, 340, who.hair, Math.max(2, Math.round(0.025 * h)), cv.LINE_AA);
  }
  // nose and mouth
  frame.drawEllipse(p(cx + dx, cy + h * 0.08), s(w * 0.06, h * 0.06), 0, 0, 180, new cv.Vec3(90, 110, 160), 2, cv.LINE_AA);
  frame.drawEllipse(p(cx + dx, cy + h * who.mouthY), s(w * who.mouthWidth, h * 0.06), 0, 0, 180, new cv.Vec3(60, 60, 200), -1, cv.LINE_AA);

  const noise = noiseImages(width, height);
  const [up, down] = noise[Math.floor(random() * noise.length)] as [Mat, Mat];
  const noisy = frame.gaussianBlur(new cv.Size(0, 0), 1).add(up).sub(down);
  return { frame: noisy, box: { x: Math.round(cx - w / 2), y: Math.round(cy - h / 2), width: Math.round(w), height: Math.round(h) } };
}
