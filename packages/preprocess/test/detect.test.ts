// Face detection on real faces from Debian packages (astronaut.png, kphotoalbum's movie.avi and its
// demo album's group photos, boxed by hand), on face-free photos, and on drawn faces in every gaze
// state; how BlazeFace's two models' opinions combine; res10's output decoding.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';

import type { Mat } from '@u4/opencv4nodejs';

import { combineOpinions } from '../src/detect/blazeface';
import { createDetector, detectorSpec } from '../src/detect/create-detector';
import { decodeSsd } from '../src/detect/res10';
import { extractBox, NO_ADJUSTMENT, type FaceBox } from '../src/detect/face-box';
// detectFaces forks dist/faces-worker.js, so it is tested from dist
import { detectFaces, type FrameFaces } from '../dist';
import { opencv } from '@gazecoder/opencv';
import { boxedPhotos, tempDir, testMedia, type BoxedPhoto } from '@gazecoder/test-helpers';
import { rng } from '@gazecoder/formats';
import { drawFace, identity, type Gaze } from '@gazecoder/synth';

async function all(path: string, options = {}): Promise<FrameFaces[]> {
  const frames: FrameFaces[] = [];
  for await (const f of detectFaces(path, options)) frames.push(f);
  return frames;
}

function iou(a: Omit<FaceBox, 'score'>, b: Omit<FaceBox, 'score'>): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (ix * iy) / (a.width * a.height + b.width * b.height - ix * iy);
}

describe('BlazeFace on real faces', () => {
  it("finds Eileen Collins's face in astronaut.png with a tight box", async () => {
    const [frame] = await all(testMedia('astronaut.png'));
    expect(frame?.faces).toHaveLength(1);
    const face = frame?.faces[0] as FaceBox;
    expect(face.score).toBeGreaterThan(0.85);
    // The face spans about x 180-270, y 80-175 of the 512×512 image (brows to chin).
    expect(iou(face, { x: 180, y: 82, width: 92, height: 92 })).toBeGreaterThan(0.8);
  });

  it("finds the man's face in all 68 frames of kphotoalbum's movie.avi, steadily", async () => {
    const frames = await all(testMedia('movie.avi'));
    expect(frames).toHaveLength(68);
    expect(frames.every((f) => f.faces.length === 1 && f.width === 160 && f.height === 120)).toBe(true);
    const faces = frames.map((f) => f.faces[0] as FaceBox);
    for (const face of faces) {
      expect(face.score).toBeGreaterThanOrEqual(0.7);
      expect(face.width).toBeGreaterThan(35);
      expect(face.width).toBeLessThan(80);
      expect(face.x + face.width).toBeLessThanOrEqual(160);
      expect(face.y + face.height).toBeLessThanOrEqual(120);
    }
    // consecutive frames: the box moves little
    for (let i = 1; i < faces.length; i += 1) expect(iou(faces[i] as FaceBox, faces[i - 1] as FaceBox)).toBeGreaterThan(0.6);
  });

  it.each(['coffee.png', 'sunset.jpg'])('finds no face in %s', async (name) => {
    const [frame] = await all(testMedia(name));
    expect(frame?.faces).toEqual([]);
  });

  it('adjusts boxes (scale around the centre, shift up) before clamping to the frame', async () => {
    const [plain] = await all(testMedia('astronaut.png'));
    const [grown] = await all(testMedia('astronaut.png'), { boxAdjustment: { scale: [1.2, 1.3], shiftY: -0.1 } });
    const a = plain?.faces[0] as FaceBox;
    const b = grown?.faces[0] as FaceBox;
    expect(b.width / a.width).toBeCloseTo(1.2, 1);
    expect(b.height / a.height).toBeCloseTo(1.3, 1);
    expect(b.y + b.height / 2).toBeCloseTo(a.y + a.height / 2 - 0.1 * a.height, -1);
  });

  it("keeps the caller's event loop free: decoding and detection run in a worker process", async () => {
    const photo = testMedia('qt-logo.jpg'); // the second opinion runs here: ~20 ms a frame in-process
    await all(photo); // warm the file cache
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    for (let i = 0; i < 4; i += 1) expect((await all(photo))[0]?.faces.length).toBe(3);
    const frames = await all(testMedia('movie.avi'));
    delay.disable();
    expect(frames).toHaveLength(68);
    expect(delay.percentile(99) / 1e6).toBeLessThan(20);
  });

  it('stops the worker when the caller stops iterating', async () => {
    let taken = 0;
    for await (const frame of detectFaces(testMedia('movie.avi'))) {
      taken += frame.faces.length;
      if (frame.frame === 2) break;
    }
    expect(taken).toBe(3);
  });

  it('names a missing or unreadable image', async () => {
    const dir = tempDir('image');
    try {
      const broken = join(dir.path, 'broken.png');
      writeFileSync(broken, readFileSync(testMedia('astronaut.png')).subarray(0, 64));
      await expect(all(broken)).rejects.toThrow(`${broken}: OpenCV cannot decode this image`);
      await expect(all(join(dir.path, 'missing.jpg'))).rejects.toThrow(`${join(dir.path, 'missing.jpg')}: no such file`);
    } finally {
      dir.cleanup();
    }
  });
});

describe("BlazeFace on group photos boxed by hand (KPhotoAlbum's demo album)", () => {
  const photos = boxedPhotos();
  /** The photo as the album shows it (the boxes are in that orientation), `width` pixels wide. */
  function shown(photo: BoxedPhoto, width: number): { frame: Mat; scale: number } {
    const cv = opencv();
    let image = cv.imread(photo.path);
    if (photo.angle === 90) image = image.rotate(cv.ROTATE_90_CLOCKWISE);
    const scale = width / image.cols;
    return { frame: image.resize(Math.round(image.rows * scale), width, 0, 0, cv.INTER_AREA), scale };
  }

  it('has the photos the recall benchmark uses: three faces and two, 40 px or more', () => {
    expect(photos.map((p) => p.faces.length).sort()).toEqual([2, 3]);
    expect(Math.min(...photos.flatMap((p) => p.faces.map((f) => f.height)))).toBeGreaterThanOrEqual(40);
  });

  // 480 px wide is the smallest where every face is still 40 px or more (42 px)
  it.each([800, 640, 480])('finds every boxed face and nothing else at %i px wide', async (width) => {
    const detector = await createDetector(detectorSpec());
    for (const photo of photos) {
      const { frame, scale } = shown(photo, width);
      const [faces = []] = await detector.detect([frame]);
      const truths = photo.faces.map((f) => ({ x: f.x * scale, y: f.y * scale, width: f.width * scale, height: f.height * scale }));
      expect({ photo: photo.path, width, faces: faces.length }).toEqual({ photo: photo.path, width, faces: truths.length });
      for (const truth of truths) expect(Math.max(...faces.map((f) => iou(f, truth)))).toBeGreaterThan(0.3);
    }
  });

  it('owes the third face at 640 px (a webcam frame) to the second opinion: a closer look at an unsure candidate', async () => {
    const photo = photos.find((p) => p.faces.length === 3) as BoxedPhoto;
    const { frame } = shown(photo, 640);
    expect((await (await createDetector(detectorSpec(), { secondOpinion: false })).detect([frame]))[0]).toHaveLength(2);
    expect((await (await createDetector(detectorSpec())).detect([frame]))[0]).toHaveLength(3);
  });
});

describe("combining BlazeFace's two opinions", () => {
  const at = (cx: number, score: number): { cx: number; cy: number; w: number; h: number; score: number } => ({ cx, cy: 0.5, w: 0.1, h: 0.1, score });

  it('scores a face both models see 1 − (1 − s₁)(1 − s₂) on the short-range box; a face one sees keeps its own score', () => {
    const short = [at(0.2, 0.6), at(0.5, 0.9)];
    const full = [{ ...at(0.21, 0.5), w: 0.12 }, at(0.8, 0.75)];
    const combined = combineOpinions(short, full);
    expect(combined.map((c) => [c.cx, c.w, +c.score.toFixed(6)])).toEqual([
      [0.5, 0.1, 0.9],
      [0.2, 0.1, 0.8],
      [0.8, 0.1, 0.75],
    ]);
  });

  it('pairs each full-range box with one short-range box at most (the best-scoring overlap)', () => {
    const combined = combineOpinions([at(0.5, 0.5), at(0.52, 0.4)], [at(0.51, 0.6), at(0.505, 0.2)]);
    expect(combined.map((c) => +c.score.toFixed(6))).toEqual([0.8, 0.52]);
  });
});

describe('BlazeFace on drawn faces', () => {
  it('detects a drawn face in every gaze state, on the drawn ellipse', async () => {
    const detector = await createDetector(detectorSpec());
    const random = rng(2024);
    const gazes: Gaze[] = ['left', 'right', 'centre', 'away'];
    for (let person = 0; person < 5; person += 1) {
      const who = identity(random);
      for (const gaze of gazes) {
        const { frame, box } = drawFace(who, gaze, 320, 240, random);
        const [faces = []] = await detector.detect([frame]);
        expect({ person, gaze, faces: faces.length }).toEqual({ person, gaze, faces: 1 });
        expect(iou(faces[0] as FaceBox, box)).toBeGreaterThan(0.3);
      }
    }
  });

  it('finds nothing on a plain frame', async () => {
    const detector = await createDetector(detectorSpec());
    const { frame } = drawFace(identity(rng(1)), 'left', 320, 240, rng(1));
    const cv = opencv();
    const plain = frame.getRegion(new cv.Rect(0, 0, 40, 40)).copy().resize(240, 320);
    expect(await detector.detect([plain])).toEqual([[]]);
  });
});

describe("res10 (iCatcher+'s OpenCV-DNN SSD)", () => {
  const spec = { confidence: 0.7, boxAdjustment: NO_ADJUSTMENT };
  // rows: image, class, confidence, x1, y1, x2, y2 (normalised)
  const rows = Float32Array.from([
    0, 1, 0.95, 0.25, 0.25, 0.5, 0.75, // kept
    0, 1, 0.7, 0.1, 0.1, 0.2, 0.2, // confidence must be > 0.7: dropped
    0, 1, 0.8, -0.1, -0.05, 0.3, 1.2, // clamped to the frame
    0, 1, 0.9, 1.0, 0.5, 1.2, 0.6, // starts at the right edge: dropped
    1, 1, 0.99, 0.5, 0.5, 0.6, 0.6, // another image of the batch
  ]);

  it('keeps confidence > threshold and clamps corners as iCatcher+', () => {
    expect(decodeSsd(rows, 0, 640, 480, spec)).toEqual([
      { x: 160, y: 120, width: 160, height: 240, score: Math.fround(0.95) },
      { x: 0, y: 0, width: 192, height: 480, score: Math.fround(0.8) },
    ]);
    expect(decodeSsd(rows, 1, 640, 480, spec)).toEqual([{ x: 320, y: 240, width: 64, height: 48, score: Math.fround(0.99) }]);
  });

  it("takes iCatcher+'s cached files by default, names the fetch command when they are not cached, and names a missing file", async () => {
    const cache = mkdtempSync(join(tmpdir(), 'gazecoder-empty-cache-'));
    const saved = process.env.GAZECODER_CACHE;
    process.env.GAZECODER_CACHE = cache;
    try {
      await expect(createDetector(detectorSpec({ name: 'res10' }))).rejects.toThrow(`config.prototxt: not in the model cache (${cache}); fetch it with: npx gazecoder models fetch icatcher+`);
    } finally {
      if (saved === undefined) delete process.env.GAZECODER_CACHE;
      else process.env.GAZECODER_CACHE = saved;
      rmSync(cache, { recursive: true, force: true });
    }
    await expect(createDetector(detectorSpec({ name: 'res10', model: { prototxt: '/nope/deploy.prototxt', caffemodel: '/nope/res10.caffemodel' } }))).rejects.toThrow(
      '/nope/deploy.prototxt: no such file (--face-model)',
    );
  });
});

describe("RetinaFace's boxes as iCatcher+'s extract_bboxes makes them", () => {
  const f = Math.fround;
  it('raises x1, y1 to 0, lowers x2, y2 to the frame, subtracts in float32 and truncates each value', () => {
    expect(extractBox(f(10.7), f(20.2), f(50.5), f(80.9), 640, 480, 0.99)).toEqual({ x: 10, y: 20, width: 39, height: 60, score: 0.99 });
    // x + width = 49, not ⌊x2⌋ = 50: the width is truncated after the subtraction, as numpy's astype(int).
    expect(extractBox(f(-3.5), f(-1), f(700.25), f(500), 640, 480, 0.95)).toEqual({ x: 0, y: 0, width: 640, height: 480, score: 0.95 });
  });
  it('drops a box that starts outside the frame or is not a number, and keeps one with no area', () => {
    expect(extractBox(640, 10, 700, 50, 640, 480, 0.9)).toBeUndefined();
    expect(extractBox(10, 480, 50, 500, 640, 480, 0.9)).toBeUndefined();
    expect(extractBox(Number.NaN, 10, 50, 50, 640, 480, 0.9)).toBeUndefined();
    expect(extractBox(f(639.5), 10, 700, 50, 640, 480, 0.9)).toEqual({ x: 639, y: 10, width: 0, height: 40, score: 0.9 });
  });
});
