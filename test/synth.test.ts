// A synthetic Lookit dataset checked against what was drawn, read with @gazecoder/preprocess (so
// here, not in the synth package, which preprocess's tests depend on): the layout and metadata
// iCatcher+ reads, coder 1's labels against the pupils and head turn measured in the decoded frames,
// coder 2's realistic disagreement, the real BlazeFace detector's hit rate and face selection,
// determinism.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { opencv } from '@gazecoder/opencv';
import { frameLabels, parseLookitCoding } from '@gazecoder/formats';
import { detectFaces, lookitVideoId, LOOKIT_METADATA } from '@gazecoder/preprocess';

import { codingName, synthesize, videoName, type Box, type DrawnFace, type SynthSummary } from '@gazecoder/synth';

const FPS = 30;
let root: string;
let summary: SynthSummary;
const raw = (): string => join(root, 'raw');

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gazecoder-synth-'));
  // 5 videos of 8 s: every split, a second session, an adult (video 2), a no-face stretch each
  summary = await synthesize({ out: raw(), videos: 5, seconds: 8, seed: 3 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function coding(coder: 1 | 2, id: string): string {
  return readFileSync(join(raw(), 'annotations', `coder${coder}`, codingName(id)), 'utf8');
}

/** Per-frame labels as iCatcher+ reads a coding (0 away, 1 left, 2 right, −3 invalid). */
function labels(coder: 1 | 2, id: string, frames: number): Int8Array {
  return frameLabels(parseLookitCoding(coding(coder, id), { fps: FPS }), Array.from({ length: frames }, (_, f) => f), -3);
}

function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  return (ix * iy) / (a.width * a.height + b.width * b.height - ix * iy);
}

/**
 * The pupil's centre measured in a decoded frame: the centroid of the darkest pixels in a window
 * around the drawn eye (1.4× its white), in pixels.
 */
function measurePupil(gray: Buffer, width: number, eye: DrawnFace['eyes'][number]): { x: number; y: number } {
  const x0 = Math.max(0, Math.floor(eye.x - 1.4 * eye.halfWidth));
  const x1 = Math.ceil(eye.x + 1.4 * eye.halfWidth);
  const y0 = Math.max(0, Math.floor(eye.y - 1.4 * eye.halfHeight));
  const y1 = Math.ceil(eye.y + 1.6 * eye.halfHeight);
  let min = 255;
  for (let y = y0; y <= y1; y += 1) for (let x = x0; x <= x1; x += 1) min = Math.min(min, gray[y * width + x] ?? 255);
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let y = y0; y <= y1; y += 1)
    for (let x = x0; x <= x1; x += 1)
      if ((gray[y * width + x] ?? 255) <= min + 12) {
        sx += x;
        sy += y;
        n += 1;
      }
  return { x: sx / n, y: sy / n };
}

/** The gaze a frame shows, read from the measured pupils against the face's outline. */
function measuredGaze(pupils: Array<{ x: number; y: number }>, face: Box): 'left' | 'right' | 'away' {
  const mid = (pupils.reduce((s, p) => s + p.x, 0) / pupils.length - (face.x + face.width / 2)) / face.width;
  // left/right: pupils ≈ 0.1 face widths off centre (glance + slight turn); away: ≥ 0.2 (head turned)
  if (Math.abs(mid) > 0.165) return 'away';
  return mid < 0 ? 'left' : 'right';
}

describe('gazecoder synth', () => {
  it('writes the Lookit layout: UUID names by iCatcher+\'s rule, both coders, the metadata TSV with its splits', () => {
    const videos = readdirSync(join(raw(), 'videos')).sort();
    expect(videos).toEqual(summary.videos.map((v) => videoName(v.id)).sort());
    for (const v of summary.videos) {
      expect(v.id).toMatch(UUID);
      expect(lookitVideoId(videoName(v.id))).toBe(v.id);
      expect(lookitVideoId(codingName(v.id))).toBe(v.id);
      expect(coding(1, v.id)).toMatch(/^Offset: 0, Movie: MoviePathHere, DataFile: \(null\)\nTracks: [^\n]+\nTime,Duration,TrackName,comment\n\n/);
      expect(coding(2, v.id)).toMatch(/,outofframe,\(null\)/);
      expect(coding(1, v.id)).toMatch(/\n7999,0,end,\(null\)/); // the last trial ends with the video (240 frames)
    }
    const [header, ...rows] = readFileSync(join(raw(), LOOKIT_METADATA), 'utf8').trim().split('\n').map((l) => l.split('\t'));
    for (const column of ['videoID', 'childID', 'child.ageSessionRounded', 'parent.race.nonwhite', 'child.gender', 'child.skinTone', 'child.eyeColor', 'which.dataset', 'video.cameraMoved', 'video.privacy']) expect(header).toContain(column);
    const col = (name: string) => (header as string[]).indexOf(name);
    expect(rows.map((r) => r[col('videoID')])).toEqual(summary.videos.map((v) => v.id));
    expect(new Set(rows.map((r) => r[col('which.dataset')]))).toEqual(new Set(['1_train', '1_validate', '2_test']));
    // a child's sessions share a split
    const byChild = new Map<string, Set<string>>();
    for (const r of rows) byChild.set(r[col('childID')] as string, (byChild.get(r[col('childID')] as string) ?? new Set()).add(r[col('which.dataset')] as string));
    expect(byChild.size).toBeLessThan(rows.length);
    for (const splits of byChild.values()) expect(splits.size).toBe(1);
    expect(summary.videos.some((v) => v.adult)).toBe(true);
  });

  it("codes what is drawn: coder 1's labels match the gaze measured in the decoded frames", () => {
    const cv = opencv();
    let checked = 0;
    let agree = 0;
    for (const v of summary.videos) {
      const coder1 = labels(1, v.id, v.frames);
      const capture = new cv.VideoCapture(join(raw(), 'videos', videoName(v.id)));
      for (let f = 0; f < v.frames; f += 1) {
        const frame = capture.read();
        const truth = v.truth[f];
        expect(frame.empty).toBeFalsy();
        // coder 1 follows the script: away while the child is out of frame
        expect(coder1[f]).toBe({ away: 0, left: 1, right: 2 }[truth?.gaze ?? 'away']);
        const near = [-2, -1, 1, 2].some((d) => v.truth[f + d] && v.truth[f + d]?.gaze !== truth?.gaze);
        if (!truth?.child || near) continue; // poses blend over the 4 frames around a change
        const gray = frame.cvtColor(cv.COLOR_BGR2GRAY).getData();
        const pupils = truth.child.eyes.map((e) => measurePupil(gray, frame.cols, e));
        checked += 1;
        if (measuredGaze(pupils, truth.child.box) === truth.gaze) agree += 1;
      }
      capture.release();
    }
    expect(checked).toBeGreaterThan(800);
    expect(agree / checked).toBeGreaterThanOrEqual(0.99);
  });

  it('makes coder 2 disagree a little, near transitions, and mark the child out of frame', () => {
    let both = 0;
    let same = 0;
    for (const v of summary.videos) {
      const one = labels(1, v.id, v.frames);
      const two = labels(2, v.id, v.frames);
      for (let f = 0; f < v.frames; f += 1) {
        const present = v.truth[f]?.child !== null;
        // coder 2's outofframe regions are exactly the stretches without the child
        if (!present) expect(two[f]).toBe(-3);
        if (!present || two[f] === -3) continue;
        both += 1;
        if (one[f] === two[f]) same += 1;
        // disagreements sit within 4 frames of one of coder 1's changes
        else expect([-4, -3, -2, -1, 0, 1, 2, 3, 4].some((d) => one[f + d] !== undefined && one[f + d] !== one[f])).toBe(true);
      }
    }
    expect(same / both).toBeGreaterThan(0.9);
    expect(same / both).toBeLessThan(0.995);
  });

  it('draws faces the default detector finds on ≥ 95 % of the frames with a child, and the lowest face is the child', async () => {
    let withChild = 0;
    let found = 0;
    let adultFrames = 0;
    let lowestIsChild = 0;
    let falseOnEmpty = 0;
    for (const v of summary.videos) {
      for await (const frame of detectFaces(join(raw(), 'videos', videoName(v.id)))) {
        const truth = v.truth[frame.frame];
        if (!truth?.child) {
          falseOnEmpty += frame.faces.length;
          continue;
        }
        withChild += 1;
        const child = truth.child.box;
        if (frame.faces.some((face) => iou(face, child) > 0.3)) found += 1;
        if (truth.adult && frame.faces.length > 1) {
          adultFrames += 1;
          const lowest = frame.faces.reduce((a, b) => (b.y + b.height > a.y + a.height ? b : a));
          if (iou(lowest, child) > 0.3) lowestIsChild += 1;
        }
      }
    }
    expect(found / withChild).toBeGreaterThanOrEqual(0.95);
    expect(adultFrames).toBeGreaterThan(100); // the adult is detected too, so selection matters
    expect(lowestIsChild / adultFrames).toBeGreaterThanOrEqual(0.99);
    expect(falseOnEmpty).toBe(0);
  });

  it('shows every gaze in every video, so that every split holds every class', () => {
    for (const v of summary.videos) expect(new Set(v.truth.map((t) => t.gaze).filter((g) => g !== null))).toEqual(new Set(['left', 'right', 'away']));
  });

  it('--difficulty makes the same story harder to see: dimmer, noisier, subtler, partly occluded; the detector still finds the child', async () => {
    const cv = opencv();
    const hard = await synthesize({ out: join(root, 'hard'), videos: 3, seconds: 6, seed: 3, difficulty: 1 });
    const easy = await synthesize({ out: join(root, 'easy'), videos: 3, seconds: 6, seed: 3 });
    // The same videos, children, splits and gaze script.
    expect(hard.videos.map((v) => [v.id, v.which, v.truth.map((t) => t.gaze)])).toEqual(easy.videos.map((v) => [v.id, v.which, v.truth.map((t) => t.gaze)]));
    const look = (dir: string, v: SynthSummary['videos'][number]) => {
      const capture = new cv.VideoCapture(join(dir, 'videos', videoName(v.id)));
      let brightness = 0;
      let grain = 0;
      let occluded = 0;
      let frames = 0;
      let flat = 0;
      for (let f = 0; f < v.frames; f += 1) {
        const frame = capture.read();
        const gray = frame.cvtColor(cv.COLOR_BGR2GRAY);
        brightness += gray.mean().w;
        // grain: what a 3×3 median takes away
        grain += gray.absdiff(gray.medianBlur(3)).mean().w;
        if (v.truth[f]?.child) frames += 1;
        const o = v.truth[f]?.occluder;
        if (!o) continue;
        occluded += 1;
        // What the frame shows there is the occluder: one flat colour (noise aside), not an eye.
        const inner = gray.getRegion(new cv.Rect(o.x + Math.round(0.2 * o.width), o.y + Math.round(0.2 * o.height), Math.round(0.6 * o.width), Math.round(0.6 * o.height)));
        const { stddev } = inner.meanStdDev();
        if (stddev.at(0, 0) < 15) flat += 1;
      }
      capture.release();
      return { brightness: brightness / v.frames, grain: grain / v.frames, occluded, frames, flat: occluded ? flat / occluded : 1 };
    };
    const easyLook = easy.videos.map((v) => look(join(root, 'easy'), v));
    const hardLook = hard.videos.map((v) => look(join(root, 'hard'), v));
    hardLook.forEach((h, i) => {
      const e = easyLook[i] as typeof h;
      expect(h.brightness).toBeLessThan(e.brightness * 0.8);
      expect(h.grain).toBeGreaterThan(e.grain * 1.3);
      expect(e.occluded).toBe(0);
      expect(h.flat).toBe(1);
    });
    // About a third of the time at difficulty 1, in stretches of a few seconds.
    expect(hardLook.reduce((n, h) => n + h.occluded, 0) / hardLook.reduce((n, h) => n + h.frames, 0)).toBeGreaterThan(0.1);
    // Still coded on most frames: the default detector finds the drawn child.
    let withChild = 0;
    let found = 0;
    for (const v of hard.videos) {
      for await (const frame of detectFaces(join(root, 'hard', 'videos', videoName(v.id)))) {
        const child = v.truth[frame.frame]?.child?.box;
        if (!child) continue;
        withChild += 1;
        if (frame.faces.some((face) => iou(face, child) > 0.3)) found += 1;
      }
    }
    expect(found / withChild).toBeGreaterThan(0.8);
    await expect(synthesize({ out: join(root, 'bad'), difficulty: 2 })).rejects.toThrow('--difficulty must be in 0…1, got 2');
  });

  it('is seeded: the same seed writes the same codings, metadata and drawings; another seed does not', async () => {
    const again = await synthesize({ out: join(root, 'again'), videos: 5, seconds: 8, seed: 3 });
    expect(again.videos.map((v) => v.truth)).toEqual(summary.videos.map((v) => v.truth));
    expect(readFileSync(join(root, 'again', LOOKIT_METADATA), 'utf8')).toBe(readFileSync(join(raw(), LOOKIT_METADATA), 'utf8'));
    for (const v of summary.videos) expect(readFileSync(join(root, 'again', 'annotations', 'coder2', codingName(v.id)), 'utf8')).toBe(coding(2, v.id));
    const other = await synthesize({ out: join(root, 'other'), videos: 3, seconds: 1, seed: 4 });
    expect(other.videos[0]?.id).not.toBe(summary.videos[0]?.id);
  });
});
