#!/usr/bin/env node
// Face-detector recall by face size: a benchmark, not a test. BlazeFace as gazecoder runs it now
// (short range, and a second opinion where it is in doubt) against the detector
// before it (full range only when short range finds nothing), on the same frames:
//   * real photos with faces boxed by hand: KPhotoAlbum's demo album (Debian's kphotoalbum, fetched
//     by scripts/fetch-test-media.sh; its index.xml holds the People areas and the rotation), each
//     photo shrunk into a 640×480 frame (Lookit's webcam size) at several scales;
//   * synthetic frames: 1–3 drawn faces (@gazecoder/synth) of 20–200 px on a 640×480 frame;
//   * with --icatcher-data DIR (iCatcher+'s tests/test_data, not downloadable here): the face
//     counts its own detector test checks (three_faces.jpg …, fd_video.mp4 against its manual counts).
// A face counts as found when a box overlaps it with IoU ≥ 0.3 (hand-drawn boxes include hair and
// forehead, BlazeFace's are tighter). Prints a Markdown report; --out writes it too.
//
//   node scripts/detector-recall.mjs [--icatcher-data DIR] [--synthetic N] [--out FILE.md]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(ROOT, 'test', 'package.json'));
const { opencv } = require('@gazecoder/opencv');
const { createDetector, detectorSpec, decodeFrames } = require('@gazecoder/preprocess');
const { drawFaceOn, identity, gazePose, synthesize, videoName } = require('@gazecoder/synth');
const { rng, uniform } = require('@gazecoder/formats');
const { boxedPhotos, testMedia } = require('@gazecoder/test-helpers');

const { values } = parseArgs({
  options: {
    'icatcher-data': { type: 'string' },
    synthetic: { type: 'string', default: '120' },
    out: { type: 'string' },
  },
});

const cv = opencv();
const FRAME = { width: 640, height: 480 };
const SCALES = [1, 0.75, 0.55, 0.4, 0.3, 0.22];
const BUCKETS = [
  [0, 24],
  [24, 40],
  [40, 64],
  [64, 100],
  [100, Infinity],
];
const MATCH_IOU = 0.3;
const spec = detectorSpec();
const detectors = {
  before: await createDetector(spec, { secondOpinion: false }),
  now: await createDetector(spec),
};

function iou(a, b) {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/** Greedy one-to-one matching: how many truths were found, and how many boxes matched none. */
function match(truths, boxes) {
  const free = [...boxes];
  const found = truths.map((t) => {
    let best = -1;
    free.forEach((b, i) => {
      if (iou(t, b) >= MATCH_IOU && (best < 0 || iou(t, b) > iou(t, free[best]))) best = i;
    });
    if (best < 0) return false;
    free.splice(best, 1);
    return true;
  });
  return { found, falsePositives: free.length };
}

const ROTATIONS = { 90: cv.ROTATE_90_CLOCKWISE, 180: cv.ROTATE_180, 270: cv.ROTATE_90_COUNTERCLOCKWISE };

/** The photo as KPhotoAlbum shows it (its areas are in that orientation), shrunk into a 640×480 frame. */
function photoFrames(photo) {
  let image = cv.imread(photo.path);
  if (ROTATIONS[photo.angle] !== undefined) image = image.rotate(ROTATIONS[photo.angle]);
  const fit = Math.min(FRAME.width / image.cols, FRAME.height / image.rows);
  return SCALES.map((scale) => {
    const f = fit * scale;
    const w = Math.round(image.cols * f);
    const h = Math.round(image.rows * f);
    const left = Math.floor((FRAME.width - w) / 2);
    const top = Math.floor((FRAME.height - h) / 2);
    const frame = new cv.Mat(FRAME.height, FRAME.width, cv.CV_8UC3, [128, 128, 128]);
    image.resize(h, w, 0, 0, cv.INTER_AREA).copyTo(frame.getRegion(new cv.Rect(left, top, w, h)));
    const truths = photo.faces.map((b) => ({ x: left + b.x * f, y: top + b.y * f, width: b.width * f, height: b.height * f }));
    return { name: `${basename(photo.path)} ×${scale}`, frame, truths };
  });
}

/** Frames with 1–3 drawn faces of log-uniform heights 20–200 px that do not overlap. */
function syntheticFrames(count) {
  const random = rng(2026);
  const frames = [];
  for (let n = 0; n < count; n += 1) {
    const background = [uniform(random, 40, 200), uniform(random, 40, 200), uniform(random, 40, 200)];
    const frame = new cv.Mat(FRAME.height, FRAME.width, cv.CV_8UC3, background);
    const truths = [];
    const faces = 1 + Math.floor(random() * 3);
    for (let attempt = 0; truths.length < faces && attempt < 50; attempt += 1) {
      const height = Math.exp(uniform(random, Math.log(20), Math.log(200)));
      const who = identity(random);
      const width = height * who.aspect;
      const cx = uniform(random, width / 2 + 4, FRAME.width - width / 2 - 4);
      const cy = uniform(random, height / 2 + 8, FRAME.height - height / 2 - 4);
      const box = { x: cx - width / 2, y: cy - height / 2, width, height };
      if (truths.some((t) => iou(t, box) > 0 || Math.abs(t.x + t.width / 2 - cx) < (t.width + width) / 2 + 8)) continue;
      drawFaceOn(frame, who, gazePose(who, 'centre'), { cx, cy, height });
      truths.push(box);
    }
    frames.push({ name: `synthetic ${n}`, frame, truths });
  }
  return frames;
}

/** Runs each detector over the frames: per-bucket found/total, false positives, ms per frame. */
async function evaluate(frames) {
  const results = {};
  for (const [name, detector] of Object.entries(detectors)) {
    const buckets = BUCKETS.map(() => ({ found: 0, total: 0 }));
    let falsePositives = 0;
    let ms = 0;
    const missed = [];
    await detector.detect([frames[0].frame]); // load the models outside the timing
    for (const { name: frameName, frame, truths } of frames) {
      const start = process.hrtime.bigint();
      const [boxes = []] = await detector.detect([frame]);
      ms += Number(process.hrtime.bigint() - start) / 1e6;
      const m = match(truths, boxes);
      falsePositives += m.falsePositives;
      truths.forEach((t, i) => {
        const bucket = buckets[BUCKETS.findIndex(([lo, hi]) => t.height >= lo && t.height < hi)];
        bucket.total += 1;
        if (m.found[i]) bucket.found += 1;
        else if (t.height >= 40) missed.push(`${frameName} (${Math.round(t.height)} px)`);
      });
    }
    results[name] = { buckets, falsePositives, msPerFrame: ms / frames.length, missed };
  }
  return results;
}

const pct = ({ found, total }) => (total === 0 ? '–' : `${((100 * found) / total).toFixed(0)} % (${found}/${total})`);

async function recallTable(title, frames) {
  const results = await evaluate(frames);
  const lines = [`### ${title} (${frames.length} frames)`, '', `| detector | ${BUCKETS.map(([lo, hi]) => (hi === Infinity ? `≥ ${lo} px` : `${lo}–${hi - 1} px`)).join(' | ')} | false positives | ms/frame |`, `|---|${BUCKETS.map(() => '---').join('|')}|---|---|`];
  for (const [name, r] of Object.entries(results)) lines.push(`| ${name} | ${r.buckets.map(pct).join(' | ')} | ${r.falsePositives} | ${r.msPerFrame.toFixed(1)} |`);
  for (const [name, r] of Object.entries(results)) {
    if (r.missed.length > 0) lines.push('', `${name} missed ${r.missed.length} faces of 40 px or more${r.missed.length <= 8 ? `: ${r.missed.join(', ')}` : ''}`);
  }
  return lines.join('\n');
}

/** iCatcher+'s own detector checks: face counts on its three images and on fd_video.mp4. */
async function icatcherCounts(dir) {
  const images = { 'no_face.jpg': 0, 'one_face_normal.jpg': 1, 'three_faces.jpg': 3 };
  const manual = readFileSync(join(dir, 'test_video_manual_annotation.csv'), 'utf8').trim().split('\n')[1].split(',').map(Number);
  const frames = [...decodeFrames(join(dir, 'fd_video.mp4'))];
  const lines = ['### iCatcher+\'s detector test data (tests/test_data)', '', '| detector | no_face / one_face / three_faces (want 0 / 1 / 3) | fd_video.mp4: frames whose count equals the manual count | first 31 frames (iCatcher+ asks ≥ 95 %) | ms/frame |', '|---|---|---|---|---|'];
  for (const [name, detector] of Object.entries(detectors)) {
    const counts = [];
    for (const f of Object.keys(images)) counts.push((await detector.detect([cv.imread(join(dir, f))]))[0].length); // loads the models too
    const start = process.hrtime.bigint();
    const agree = [];
    for (const [i, frame] of frames.entries()) agree.push((await detector.detect([frame]))[0].length === manual[i]);
    const ms = Number(process.hrtime.bigint() - start) / 1e6 / frames.length;
    const share = (xs) => `${((100 * xs.filter(Boolean).length) / xs.length).toFixed(1)} % (${xs.filter(Boolean).length}/${xs.length})`;
    lines.push(`| ${name} | ${counts.join(' / ')} | ${share(agree)} | ${share(agree.slice(0, 31))} | ${ms.toFixed(1)} |`);
  }
  return lines.join('\n');
}

/** The cost on whole videos: the synthetic one `gazecoder bench` codes, and the given real ones. */
async function videoCosts(extra) {
  const work = mkdtempSync(join(tmpdir(), 'gazecoder-recall-'));
  try {
    // The synthetic set `gazecoder bench` draws (seed 3, 4 s; its inference rows code the first video).
    const synth = await synthesize({ out: work, videos: 3, seconds: 4, fps: 30, seed: 3 });
    const drawn = synth.videos.map((v, i) => [`gazecoder bench's synthetic set, video ${i + 1} (320×240)${i === 0 ? ', the one its inference rows code' : ''}`, join(work, 'videos', videoName(v.id))]);
    const videos = [...drawn, ...extra];
    const lines = ['### Cost per frame on whole videos', '', '| video | frames | before, ms/frame | now, ms/frame | now ÷ before |', '|---|---|---|---|---|'];
    for (const [name, path] of videos) {
      const frames = [...decodeFrames(path)];
      const ms = {};
      for (const [which, detector] of Object.entries(detectors)) {
        await detector.detect([frames[0]]); // load the models outside the timing
        const start = process.hrtime.bigint();
        for (const frame of frames) await detector.detect([frame]);
        ms[which] = Number(process.hrtime.bigint() - start) / 1e6 / frames.length;
      }
      lines.push(`| ${name} | ${frames.length} | ${ms.before.toFixed(1)} | ${ms.now.toFixed(1)} | ${(ms.now / ms.before).toFixed(2)}× |`);
    }
    return lines.join('\n');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const sections = [
  '## Face detection recall by face height (BlazeFace at score ≥ 0.7)',
  '',
  '`before`: full range only when short range finds nothing; `now`: a second opinion where short range is in doubt (full range on a frame with no sure face, a closer look at an unsure candidate beside sure ones).',
  '',
  await recallTable('Real photos, KPhotoAlbum demo album, faces boxed in its index.xml, shrunk into 640×480', boxedPhotos().flatMap(photoFrames)),
  '',
  await recallTable('Synthetic faces on 640×480', syntheticFrames(Number(values.synthetic))),
];
if (values['icatcher-data']) sections.push('', await icatcherCounts(values['icatcher-data']));
const realVideos = [['kphotoalbum movie.avi (160×120)', testMedia('movie.avi')]];
if (values['icatcher-data']) realVideos.push(["iCatcher+'s fd_video.mp4 (640×480, a real Lookit video)", join(values['icatcher-data'], 'fd_video.mp4')]);
sections.push('', await videoCosts(realVideos));
const report = `${sections.join('\n')}\n`;
process.stdout.write(report);
if (values.out) writeFileSync(values.out, report);
