// `gazecoder preprocess` and `gazecoder faces` as a user runs them: real videos, real OpenCV and
// BlazeFace, exit codes, JSON progress on stderr, summaries on stdout.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { buildLookitFixture, type FixtureVideo } from '@gazecoder/synth';
import { testMedia } from '@gazecoder/test-helpers';
import { gazecoder, tempDir } from './helpers/run';

const GOOD = 'aaaaaaaa-0000-4000-8000-000000000001';
const BROKEN = 'aaaaaaaa-0000-4000-8000-000000000002';
const VIDEOS: FixtureVideo[] = [
  { id: GOOD, child: 'c1', which: '1_train', frames: 24, coder1: ['0,0,left', '400,0,right', '700,0,end'] },
  { id: BROKEN, child: 'c2', which: '2_test', frames: 24, coder1: ['0,0,left', '700,0,end'], truncate: true },
];

describe('gazecoder preprocess', () => {
  let raw: { path: string; cleanup: () => void };
  let out: { path: string; cleanup: () => void };
  beforeAll(() => {
    raw = tempDir('cli-raw');
    out = tempDir('cli-out');
    buildLookitFixture(raw.path, VIDEOS);
  });
  afterAll(() => {
    raw.cleanup();
    out.cleanup();
  });

  it('writes the dataset, reports progress as JSON lines when stderr is not a terminal, and exits 1 when a video failed', () => {
    const run = gazecoder('preprocess', raw.path, out.path, '--jobs', '2', '--json');
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout) as { processed: string[]; failed: Array<{ id: string; error: string }>; stats: { total: { used: number } } };
    expect(summary.processed).toEqual([GOOD]);
    expect(summary.failed.map((f) => f.id)).toEqual([BROKEN]);
    expect(summary.stats.total.used).toBe(21); // floor(701 · 30 / 1000) = 21 coded frames, all with a face
    const events = run.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => (JSON.parse(l) as { event: string }).event);
    expect(events[0]).toBe('begin');
    expect(events).toEqual(expect.arrayContaining(['start', 'done', 'failed']));
    expect(events[events.length - 1]).toBe('end');
    expect(run.stderr).toContain('gazecoder: 1 video(s) failed; the others are in the dataset (--keep-going exits 0 anyway)');
  });

  it('resumes: finished videos are skipped; --keep-going exits 0; the summary shows the statistics', () => {
    const run = gazecoder('preprocess', raw.path, out.path, '--keep-going');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('0 video(s) processed, 1 already done, 1 failed');
    expect(run.stdout).toMatch(/FAILED aaaaaaaa-0000-4000-8000-000000000002: .*videoStream_study1_x-aaaaaaaa-0000-4000-8000-000000000002_1234\.mp4: ffprobe cannot read it/);
    expect(run.stdout).toMatch(/^split\s+videos\s+frames\s+annotated\s+used/m);
    expect(run.stdout).toMatch(/^train\s+1\s+24\s+21\s+87\.5%/m);
  });

  it('names bad flags before doing any work', () => {
    // res10 without --face-model takes iCatcher+'s cached files; none are cached in an empty cache.
    const emptyCache = join(out.path, 'empty-cache');
    const res10 = spawnSync('npx', ['gazecoder', 'preprocess', raw.path, join(out.path, 'x'), '--detector', 'res10'], { encoding: 'utf8', env: { ...process.env, GAZECODER_CACHE: emptyCache } });
    expect(res10.stderr).toContain(`config.prototxt: not in the model cache (${emptyCache}); fetch it with: npx gazecoder models fetch icatcher+`);
    expect(gazecoder('preprocess', raw.path, join(out.path, 'x'), '--detector', 'res10', '--face-model', 'a.prototxt,b.caffemodel').stderr).toContain('a.prototxt: no such file (--face-model)');
    expect(gazecoder('preprocess', raw.path, join(out.path, 'x'), '--face-model', 'res10').stderr).toContain("--face-model is for --detector res10 or retinaface (BlazeFace's models are bundled)");
    expect(gazecoder('preprocess', raw.path, join(out.path, 'x'), '--split', 'random').stderr).toContain("--split must be which-dataset or icatcher, got 'random'");
    expect(gazecoder('preprocess', raw.path, join(out.path, 'x'), '--face-selection', 'biggest').stderr).toContain("--face-selection must be one of lowest, score, track, got 'biggest'");
    expect(gazecoder('preprocess', join(raw.path, 'nope'), join(out.path, 'x')).stderr).toContain(`${join(raw.path, 'nope')}: no such file or folder`);
  });
});

describe('gazecoder faces', () => {
  it('prints the boxes and scores on an image as JSON', () => {
    const run = gazecoder('faces', testMedia('astronaut.png'), '--json');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { width: number; frames: Array<{ faces: Array<{ x: number; y: number; width: number; score: number }> }> };
    expect(result.width).toBe(512);
    expect(result.frames).toHaveLength(1);
    expect(result.frames[0]?.faces).toHaveLength(1);
    expect(result.frames[0]?.faces[0]?.score).toBeGreaterThan(0.85);
  });

  it('prints one line per video frame', () => {
    const run = gazecoder('faces', testMedia('movie.avi'));
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(68);
    expect(lines.every((l) => /^frame \d+: 1 face: \[x \d+, y \d+, w \d+, h \d+\] score 0\.\d{3}$/.test(l))).toBe(true);
  });
});

describe('gazecoder info', () => {
  it('reports the OpenCV version face preprocessing runs on', () => {
    const info = JSON.parse(gazecoder('info', '--json').stdout) as { opencvVersion?: string };
    expect(info.opencvVersion).toMatch(/^4\.\d+\.\d+$/);
  });
});
