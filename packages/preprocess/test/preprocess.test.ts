// The whole pipeline on a Lookit-layout folder built here: real ffmpeg videos of drawn faces, coding
// files, the TSV. Checks the packed dataset (docs/dataset-format.md) value by value, the splits, the
// failures that must not stop the run, resuming, iCatcher+'s layout, and the Python reader.
// It runs the built package (dist/): videos are processed in worker processes.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { type DoneVideo, type FailedVideo, readManifest, readNpy } from '@gazecoder/formats';
import { preprocess, type PreprocessSummary, type ProgressReporter } from '../dist';
import { agreement } from '../dist/dataset/video-stats';
import { buildLookitFixture, codingName, codingText, FIXTURE_FPS as FPS, videoName, type FixtureVideo } from '@gazecoder/synth';
import { python, REPO_ROOT, tempDir } from '@gazecoder/test-helpers';

const ID = {
  train: '11111111-aaaa-4bbb-8ccc-000000000001',
  val: '22222222-aaaa-4bbb-8ccc-000000000002',
  test: '33333333-aaaa-4bbb-8ccc-000000000003',
  vfr: '44444444-aaaa-4bbb-8ccc-000000000004',
  truncated: '55555555-aaaa-4bbb-8ccc-000000000005',
  malformed: '66666666-aaaa-4bbb-8ccc-000000000006',
  uncoded: '77777777-aaaa-4bbb-8ccc-000000000007',
  noMetadata: '88888888-aaaa-4bbb-8ccc-000000000008',
};

// VFR video: 40 ms steps, a 140 ms gap after frame 14.
const VFR_TIMES = Array.from({ length: 30 }, (_, i) => (i < 15 ? i * 40 : 700 + (i - 15) * 40));

const VIDEOS: FixtureVideo[] = [
  // 0 L, 500 R, out of frame [600, 800], 1000 A, trial end 1400 → frames 0-14 L, 15-17 R,
  // 18-23 invalid, 24-29 R, 30-41 A, 42-44 uncoded
  { id: ID.train, child: 'child-1', which: '1_train', frames: 45, coder1: ['1000,0,away', '0,0,left', '1400,0,end', '600,200,outofframe', '500,0,right'], coder2: ['0,0,left', '600,0,right', '1000,0,away', '1400,0,end'] },
  { id: ID.val, child: 'child-2', which: '1_validate', frames: 30, coder1: ['0,0,right', '500,0,left', '900,0,end'], coder2: ['0,0,right', '500,0,left', '900,0,end'] },
  { id: ID.test, child: 'child-3', which: '2_test', frames: 30, coder1: ['0,0,away', '300,0,left', '950,0,end'] },
  // ms coding against per-frame times: frames 0-14 (0-560 ms) L, 15-27 (700-1180 ms) R, 28-29 after the end
  { id: ID.vfr, child: 'child-1', which: '1_train', frames: 30, coder1: ['0,0,left', '620,0,right', '1200,0,end'], timesMs: VFR_TIMES },
  { id: ID.truncated, child: 'child-4', which: '1_train', frames: 30, coder1: ['0,0,left', '900,0,end'], truncate: true },
  { id: ID.malformed, child: 'child-5', which: '1_train', frames: 20, coder1: ['0,0,left', 'half past,0,right', '600,0,end'] },
  { id: ID.uncoded, child: 'child-6', which: '1_train', frames: 10 },
  { id: ID.noMetadata, child: 'child-7', frames: 10, coder1: ['0,0,left', '300,0,end'] },
];

const run = (label: number, from: number, to: number): number[] => Array.from({ length: to - from }, () => label);

let raw: { path: string; cleanup: () => void };
let out: { path: string; cleanup: () => void };
let first: PreprocessSummary;

beforeAll(async () => {
  raw = tempDir('raw');
  out = tempDir('dataset');
  buildLookitFixture(raw.path, VIDEOS);
  first = await preprocess({ raw: raw.path, out: out.path, jobs: 2, exportIcatcherLayout: true });
}, 240_000);

afterAll(() => {
  raw.cleanup();
  out.cleanup();
});

async function arrays(id: string): Promise<Record<string, { data: ArrayLike<number>; shape: number[] }>> {
  const folder = join(out.path, 'videos', id);
  const names = ['crops', 'boxes', 'frame_crop', 'labels', 'face_index', 'timestamps'];
  const loaded = await Promise.all(names.map((n) => readNpy(join(folder, `${n}.npy`))));
  return Object.fromEntries(names.map((n, i) => [n, loaded[i] as { data: ArrayLike<number>; shape: number[] }]));
}

describe('gazecoder preprocess on a Lookit layout', () => {
  it('processes the coded videos, fails the broken ones with reasons, and leaves out the rest', () => {
    expect([...first.processed].sort()).toEqual([ID.train, ID.val, ID.test, ID.vfr].sort());
    expect(first.alreadyDone).toEqual([]);
    const failures = Object.fromEntries(first.failed.map((f) => [f.id, f.error]));
    expect(Object.keys(failures).sort()).toEqual([ID.truncated, ID.malformed].sort());
    expect(failures[ID.truncated]).toMatch(new RegExp(`${videoName(ID.truncated)}: ffprobe cannot read it: .*moov atom not found`));
    expect(failures[ID.malformed]).toContain(`${codingName(ID.malformed)}:6: Time 'half past' is not an integer number of ms`);
    expect(first.excluded).toEqual(
      expect.arrayContaining([
        { id: ID.uncoded, reason: 'no coder-1 coding file' },
        { id: ID.noMetadata, reason: 'not in the metadata TSV' },
      ]),
    );
  });

  it('writes the manifest of docs/dataset-format.md with which.dataset splits', async () => {
    const manifest = await readManifest(out.path);
    expect(manifest).toMatchObject({
      format: 'gazecoder-dataset',
      version: 1,
      imageSize: 100,
      createdBy: 'gazecoder 0.1.0',
      detector: { name: 'blazeface', confidence: 0.7, boxScale: [1, 1], boxShiftY: 0 },
      faceSelection: 'lowest',
      allFrames: false,
    });
    const entries = Object.fromEntries((manifest?.videos ?? []).map((v) => [v.id, v]));
    expect(Object.keys(entries).sort()).toEqual([ID.train, ID.val, ID.test, ID.vfr, ID.truncated, ID.malformed].sort());
    expect(entries[ID.train]).toMatchObject({ split: 'train', childId: 'child-1', status: 'done', frames: 45, crops: 36, fps: 30, width: 320, height: 240, variableFrameRate: false, source: `videos/${videoName(ID.train)}` });
    expect(entries[ID.val]).toMatchObject({ split: 'val', status: 'done', frames: 30 });
    expect(entries[ID.test]).toMatchObject({ split: 'test', status: 'done', frames: 30 });
    expect(entries[ID.vfr]).toMatchObject({ split: 'train', status: 'done', frames: 30, variableFrameRate: true });
    expect(entries[ID.truncated]).toMatchObject({ split: 'train', status: 'failed' });
    expect((entries[ID.malformed] as FailedVideo).error).toContain('half past');
  });

  it("stores each frame's coder labels, crop index, selected face and time", async () => {
    const a = await arrays(ID.train);
    const expected1 = [...run(1, 0, 15), ...run(2, 15, 18), ...run(-2, 18, 24), ...run(2, 24, 30), ...run(0, 30, 42), ...run(-2, 42, 45)];
    const expected2 = [...run(1, 0, 18), ...run(2, 18, 30), ...run(0, 30, 42), ...run(-2, 42, 45)];
    expect(a.labels?.shape).toEqual([45, 2]);
    expect(Array.from(a.labels?.data ?? []).filter((_, i) => i % 2 === 0)).toEqual(expected1);
    expect(Array.from(a.labels?.data ?? []).filter((_, i) => i % 2 === 1)).toEqual(expected2);
    // Every annotated frame got its (only) face: crops in frame order, none elsewhere.
    let k = 0;
    expect(Array.from(a.frame_crop?.data ?? [])).toEqual(expected1.map((l) => (l >= 0 ? k++ : -1)));
    expect(Array.from(a.face_index?.data ?? [])).toEqual(expected1.map((l) => (l >= 0 ? 0 : -2)));
    expect(Array.from(a.timestamps?.data ?? [])).toEqual(expected1.map((_, f) => (f * 1000) / FPS));
    expect(a.crops?.shape).toEqual([36, 100, 100, 3]);
    expect(a.boxes?.shape).toEqual([36, 5]);
  });

  it('crops the drawn face, in RGB, with box features of a centred face', async () => {
    const a = await arrays(ID.train);
    const crops = a.crops?.data as Uint8Array;
    // The centre of every crop is skin: red above blue (the skin is drawn with R 200-240, B 120-180).
    for (let c = 0; c < 36; c += 1) {
      const p = ((c * 100 + 50) * 100 + 50) * 3;
      expect((crops[p] as number) - (crops[p + 2] as number)).toBeGreaterThan(20);
    }
    const boxes = Array.from(a.boxes?.data ?? []);
    for (let c = 0; c < 36; c += 1) {
      const [size, ver, hor, height, width] = boxes.slice(c * 5, c * 5 + 5) as [number, number, number, number, number];
      expect(hor).toBeGreaterThan(0.35);
      expect(hor).toBeLessThan(0.65);
      expect(ver).toBeGreaterThan(0.3);
      expect(ver).toBeLessThan(0.7);
      expect(size).toBeCloseTo(height * width, 6);
      expect(height).toBeGreaterThan(0.2);
    }
  });

  it('times frames of a variable-frame-rate video by their timestamps', async () => {
    const a = await arrays(ID.vfr);
    expect(Array.from(a.timestamps?.data ?? [])).toEqual(VFR_TIMES);
    expect(Array.from(a.labels?.data ?? []).filter((_, i) => i % 2 === 0)).toEqual([...run(1, 0, 15), ...run(2, 15, 28), -2, -2]);
  });

  it('reports statistics: frames used, without a face, invalid, per class, coder agreement', async () => {
    const manifest = await readManifest(out.path);
    const train = manifest?.videos.find((v) => v.id === ID.train) as DoneVideo;
    expect(train.stats).toMatchObject({ frames: 45, annotated: 36, invalid: 9, noFace: 0, used: 36, classes: { away: 12, left: 15, right: 9 }, windows: 10 + 10, coder2: 42 });
    // both coded: 0-14 agree (15), 15-17 disagree (3), 24-29 agree (6), 30-41 agree (12)
    expect(train.stats.confusion).toEqual([
      [12, 0, 0],
      [0, 15, 0],
      [0, 3, 6],
    ]);
    expect(first.stats.splits.train.videos).toBe(2);
    expect(first.stats.total.videos).toBe(4);
    expect(first.stats.total.agreement.frames).toBe(36 + 27);
    // κ as `gazecoder eval` computes it: po = 33/36, pe = (12·12 + 15·18 + 9·6) / 36² = 468/1296
    const a = agreement(train.stats.confusion);
    expect(a).toMatchObject({ frames: 36, percent: 33 / 36 });
    expect(a.kappa).toBeCloseTo((33 / 36 - 468 / 1296) / (1 - 468 / 1296), 14);
    expect(agreement([[0, 0, 0], [0, 5, 0], [0, 0, 0]]).kappa).toBeNull();
  });

  it("also writes iCatcher+'s layout: face PNGs, box dicts, label arrays, coding lists", () => {
    const faces = join(out.path, 'faces', ID.train);
    expect(existsSync(join(faces, 'img', '00000_0.png'))).toBe(true);
    expect(existsSync(join(faces, 'img', '00018_0.png'))).toBe(false); // invalid frame: not detected
    expect(existsSync(join(out.path, 'train', 'coding_first', `${ID.train}.txt`))).toBe(true);
    expect(existsSync(join(out.path, 'validation', 'coding_second', `${ID.val}.txt`))).toBe(true);
    const summary = python(
      `import sys, numpy as np, json
from PIL import Image
f = sys.argv[1]
g = np.load(f + "/gaze_labels.npy"); fl = np.load(f + "/face_labels.npy"); g2 = np.load(f + "/gaze_labels_second.npy")
box = np.load(f + "/box/00030_0.npy", allow_pickle=True).item()
img = Image.open(f + "/img/00030_0.png")
print(json.dumps([str(g.dtype), g.tolist(), fl.tolist(), g2[:20].tolist(), sorted(box), box["img_shape"], list(img.size) == [box["face_box"][3] - box["face_box"][2], box["face_box"][1] - box["face_box"][0]]]))`,
      faces,
    );
    const [dtype, gaze, faceLabels, second, keys, shape, sizeMatches] = JSON.parse(summary) as [string, number[], number[], number[], string[], number[], boolean];
    expect(dtype).toBe('int64');
    expect(gaze).toEqual([...run(1, 0, 15), ...run(2, 15, 18), ...run(-2, 18, 24), ...run(2, 24, 30), ...run(0, 30, 42), ...run(-2, 42, 45)]);
    expect(faceLabels).toEqual(gaze.map((l) => (l >= 0 ? 0 : -2)));
    expect(second).toEqual([...run(1, 0, 18), ...run(2, 18, 20)]);
    expect(keys).toEqual(['face_box', 'face_height', 'face_hor', 'face_size', 'face_ver', 'face_width', 'img_shape']);
    expect(shape).toEqual([240, 320, 3]);
    expect(sizeMatches).toBe(true);
  });

  it('reads back with the Python reader of scripts/', () => {
    const reader = spawnSync('/usr/bin/python3', [join(REPO_ROOT, 'scripts', 'gazecoder_dataset.py'), out.path], { encoding: 'utf8' });
    expect(reader.stderr).toBe('');
    expect(JSON.parse(reader.stdout)).toEqual({
      // windows: 9 consecutive used frames; the VFR video's 28 used frames are consecutive
      train: { videos: 2, crops: 36 + 28, windows: 20 + (28 - 8) },
      val: { videos: 1, crops: 27, windows: 27 - 8 },
      test: { videos: 1, crops: 28, windows: 28 - 8 },
    });
  });

  it('skips finished videos on a second run and retries the failed ones', async () => {
    const crops = join(out.path, 'videos', ID.train, 'crops.npy');
    const before = statSync(crops).mtimeMs;
    const second = await preprocess({ raw: raw.path, out: out.path, jobs: 2, exportIcatcherLayout: true });
    expect([...second.alreadyDone].sort()).toEqual([ID.train, ID.val, ID.test, ID.vfr].sort());
    expect(second.processed).toEqual([]);
    expect(second.failed.map((f) => f.id).sort()).toEqual([ID.truncated, ID.malformed].sort());
    expect(statSync(crops).mtimeMs).toBe(before);

    // Fixing the coding file lets the video land on the next run.
    writeFileSync(join(raw.path, 'annotations', 'coder1', codingName(ID.malformed)), codingText(['0,0,left', '300,0,right', '600,0,end']));
    const third = await preprocess({ raw: raw.path, out: out.path, jobs: 1, exportIcatcherLayout: true });
    expect(third.processed).toEqual([ID.malformed]);
    const manifest = await readManifest(out.path);
    expect(manifest?.videos.find((v) => v.id === ID.malformed)).toMatchObject({ status: 'done', frames: 20, crops: 18 });
    expect(readdirNoStaging(join(out.path, 'videos'))).toEqual([ID.train, ID.val, ID.test, ID.vfr, ID.malformed].sort());
  }, 120_000);

  it('refuses to resume with other settings', async () => {
    await expect(preprocess({ raw: raw.path, out: out.path, imageSize: 64 })).rejects.toThrow(`${out.path} was made with other settings (image size 100 (dataset) vs 64 (this run))`);
  });
});

function readdirNoStaging(folder: string): string[] {
  return readdirSync(folder).sort();
}

describe('gazecoder preprocess on a CSV of videos', () => {
  it('reads paths relative to the CSV, takes its splits, fails a missing video; --all-frames crops uncoded frames too', async () => {
    const folder = tempDir('csv');
    const dataset = tempDir('csv-out');
    try {
      buildLookitFixture(folder.path, [VIDEOS[1] as FixtureVideo]);
      writeFileSync(
        join(folder.path, 'videos.csv'),
        [
          'id,video,coder1,coder2,child,split',
          `kid-a,videos/${videoName(ID.val)},annotations/coder1/${codingName(ID.val)},,A,train`,
          `kid-b,videos/missing.mp4,annotations/coder1/${codingName(ID.val)},,B,test`,
        ].join('\n'),
      );
      const summary = await preprocess({ raw: join(folder.path, 'videos.csv'), out: dataset.path, jobs: 1, imageSize: 64, faceSelection: 'track', allFrames: true });
      expect(summary.processed).toEqual(['kid-a']);
      expect(summary.failed).toEqual([{ id: 'kid-b', error: expect.stringMatching(/missing\.mp4: ffprobe cannot read it: .*No such file/) }]);
      const manifest = await readManifest(dataset.path);
      expect(manifest).toMatchObject({ imageSize: 64, faceSelection: 'track', allFrames: true });
      // 30 frames, 27 of them coded (trial end 900 ms): all 30 cropped, 27 used for training
      expect(manifest?.videos.find((v) => v.id === 'kid-a')).toMatchObject({ split: 'train', childId: 'A', status: 'done', crops: 30, stats: { annotated: 27, used: 27 } });
      expect((await readNpy(join(dataset.path, 'videos', 'kid-a', 'crops.npy'))).shape).toEqual([30, 64, 64, 3]);
      expect(Array.from((await readNpy(join(dataset.path, 'videos', 'kid-a', 'frame_crop.npy'))).data as Int32Array)).toEqual(Array.from({ length: 30 }, (_, f) => f));
    } finally {
      folder.cleanup();
      dataset.cleanup();
    }
  }, 120_000);
});


describe('a worker process that dies', () => {
  it('fails only the video it was processing; a fresh worker takes the rest', async () => {
    const folder = tempDir('crash');
    const dataset = tempDir('crash-out');
    try {
      const ids = ['c0000000-0000-4000-8000-000000000001', 'c0000000-0000-4000-8000-000000000002', 'c0000000-0000-4000-8000-000000000003'];
      buildLookitFixture(
        folder.path,
        ids.map((id, i) => ({ id, child: `k${i}`, which: '1_train', frames: 60, coder1: ['0,0,left', '1900,0,end'] })),
      );
      let killed: string | undefined;
      // On the first video's first progress report, kill its worker (SIGKILL: no chance to clean up).
      const progress: ProgressReporter = {
        begin: () => undefined,
        videoStarted: () => undefined,
        videoProgress: (id) => {
          if (killed) return;
          const workers = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
            .stdout.split('\n')
            .filter((l) => l.includes('worker.js'));
          const pid = Number(workers[0]?.trim().split(/\s+/)[0]);
          if (pid > 0) {
            killed = id;
            process.kill(pid, 'SIGKILL');
          }
        },
        videoDone: () => undefined,
        videoFailed: () => undefined,
        end: () => undefined,
      };
      const summary = await preprocess({ raw: folder.path, out: dataset.path, jobs: 1, progress });
      expect(killed).toBe(ids[0]);
      expect(summary.failed).toEqual([{ id: ids[0], error: expect.stringMatching(/: the worker process died \(signal SIGKILL\) while processing it/) }]);
      expect([...summary.processed].sort()).toEqual(ids.slice(1));
      const manifest = await readManifest(dataset.path);
      expect(manifest?.videos.map((v) => [v.id, v.status])).toEqual(expect.arrayContaining([[ids[0], 'failed'], [ids[1], 'done'], [ids[2], 'done']]));
      // The killed worker's half-written folder is not in videos/ under the video's name.
      expect(existsSync(join(dataset.path, 'videos', ids[0] as string))).toBe(false);
    } finally {
      folder.cleanup();
      dataset.cleanup();
    }
  }, 120_000);
});
