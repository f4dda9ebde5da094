// annotate's iCatcher+ parity options end to end through `npx gazecoder annotate` (issue 15):
// --illegal-transitions (and `gazecoder smooth` on a plain run giving the same files),
// --crop-percent/--crop-mode, --fd-skip-frames, --video-filter, --pic-in-pic, --output-file-suffix,
// and their bad inputs. A real ffmpeg video of drawn faces with a stretch without a face, a
// regnet_y_400mf checkpoint from `gazecoder model` with seeded weights (as test/annotate.test.ts).
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { readMachineAnswers } from '@gazecoder/formats';
import { opencv } from '@gazecoder/opencv';

import { annotateFixturePaths, makeAnnotateFixture, TOTAL_FRAMES } from './helpers/annotate-fixture';
import { gazecoder, tempDir } from './helpers/run';

const tmp = tempDir('annotate-parity');
afterAll(() => tmp.cleanup());

const { video, checkpoint } = annotateFixturePaths(tmp.path);
beforeAll(() => makeAnnotateFixture(tmp.path));
const FIXTURES = join(__dirname, 'fixtures', 'icatcher-illegal-transitions');

/** `gazecoder annotate` on `source` with the test model, on the CPU, JSON summary. */
function annotate(source: string, out: string, ...flags: string[]) {
  return gazecoder('annotate', source, '--model', checkpoint, '--arch', 'regnet_y_400mf', '--device', 'cpu', '--output-dir', out, '--json', ...flags);
}

function classes(file: string): string[] {
  return readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => l.split(', ')[1] as string);
}

// A plain run (raw_output, compressed, ui) that the options' runs are compared with.
const plain = join(tmp.path, 'plain');
function plainRun(): string {
  if (!existsSync(plain)) expect(annotate(video, plain, '--output-format', 'raw_output,compressed,ui').code).toBe(0);
  return plain;
}

describe('annotate: iCatcher+ parity options', () => {
  it('--illegal-transitions writes what smooth makes of a plain run, in raw_output, compressed and ui', async () => {
    plainRun();
    // Rules that fire at every change of class (L = 2), and a 4-frame one: L = 4.
    const rules = join(tmp.path, 'rules.csv');
    writeFileSync(rules, 'illegal_transition,corrected_transition\n"01","00"\n"02","00"\n"10","11"\n"12","11"\n"20","22"\n"21","22"\n"1-2-2-2","1111"\n');
    const smoothed = join(tmp.path, 'smoothed');
    const run = annotate(video, smoothed, '--output-format', 'raw_output,compressed,ui', '--illegal-transitions', rules);
    expect(run.code).toBe(0);
    const bySmooth = join(tmp.path, 'by-smooth');
    const smooth = gazecoder('smooth', plain, '--illegal-transitions', rules, '--output-dir', bySmooth);
    expect(smooth.stderr).toBe('');
    expect(smooth.code).toBe(0);
    expect(readFileSync(join(bySmooth, 'baby.txt'), 'utf8')).toBe(readFileSync(join(smoothed, 'baby.txt'), 'utf8'));
    expect(readFileSync(join(bySmooth, 'baby', 'labels.txt'), 'utf8')).toBe(readFileSync(join(smoothed, 'baby', 'labels.txt'), 'utf8'));
    const a = await readMachineAnswers(join(bySmooth, 'baby.npz'));
    const b = await readMachineAnswers(join(smoothed, 'baby.npz'));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(Array.from(a.confidences)).toEqual(Array.from(b.confidences));
    // The rules did fire, and the last 4 + L frames are none, −1.
    const before = classes(join(plain, 'baby.txt'));
    const after = classes(join(smoothed, 'baby.txt'));
    expect(after.filter((c, f) => c !== before[f]).length).toBeGreaterThan(8);
    expect(after.slice(-8)).toEqual(Array(8).fill('none'));
    expect(after[TOTAL_FRAMES - 9]).not.toBe('none');
    expect(readdirSync(join(smoothed, 'baby', 'decorated_frames'))).toHaveLength(TOTAL_FRAMES);
  });

  it("--illegal-transitions: a malformed CSV is one clear error naming it, before anything is written", () => {
    for (const [csv, message] of [
      [join(FIXTURES, 'illegal_transitions_bad1.csv'), `${join(FIXTURES, 'illegal_transitions_bad1.csv')}: line 15: corrected transition '-1-1-5' has -5, not a class id`],
      [join(FIXTURES, 'illegal_transitions_bad2.csv'), `${join(FIXTURES, 'illegal_transitions_bad2.csv')}: line 15: illegal transition '-12-1' has 3 classes but its correction '-1-1-1-1' has 4`],
      [join(tmp.path, 'none.csv'), `${join(tmp.path, 'none.csv')}: no such file (--illegal-transitions)`],
    ] as const) {
      const out = join(tmp.path, `bad-csv-${Math.random()}`);
      const run = annotate(video, out, '--illegal-transitions', csv);
      expect(run.code).toBe(1);
      expect(run.stderr.startsWith(`gazecoder: ${message}`)).toBe(true);
      expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('--crop-percent masks the frame black outside the region, keeping its size (a face masked out is noface)', () => {
    // left 99: all but the 3 rightmost columns are masked, so no face is found.
    plainRun();
    const masked = join(tmp.path, 'crop-left');
    expect(annotate(video, masked, '--crop-percent', '99', '--crop-mode', 'left').code).toBe(0);
    expect(classes(join(masked, 'baby.txt'))).toEqual([...Array(TOTAL_FRAMES - 4).fill('noface'), ...Array(4).fill('none')]);
    // top 10: the face is untouched; decorated frames show the masked frame (as iCatcher+'s), full size.
    const top = join(tmp.path, 'crop-top');
    expect(annotate(video, top, '--crop-percent', '10', '--output-format', 'raw_output,ui').code).toBe(0);
    const cv = opencv();
    const frame = cv.imread(join(top, 'baby', 'decorated_frames', 'frame_00010.jpg'));
    expect([frame.cols, frame.rows]).toEqual([320, 240]);
    // Rows 0–23 are masked: black, away from the text drawn at the top left.
    const band = frame.getRegion(new cv.Rect(200, 0, 120, 20)).mean();
    expect(Math.max(band.x, band.y, band.z)).toBeLessThan(8);
    const below = frame.getRegion(new cv.Rect(200, 30, 120, 20)).mean();
    expect(Math.max(below.x, below.y, below.z)).toBeGreaterThan(30);
    const cropped = classes(join(top, 'baby.txt'));
    const uncropped = classes(join(plain, 'baby.txt'));
    expect(cropped.filter((c, f) => c === uncropped[f]).length).toBeGreaterThanOrEqual(TOTAL_FRAMES - 4);
  });

  it.each([
    [['--crop-mode', 'bottom'], "option '--crop-mode <modes>' argument 'bottom' is invalid. unknown mode 'bottom' (choose from top, left, right)"],
    [['--crop-percent', '100'], 'gazecoder: --crop-percent must be a whole percent between 0 and 99, got 100'],
    [['--crop-percent', '50', '--crop-mode', 'left,right'], 'gazecoder: --crop-percent must be between 0 and 49 when cropping both left and right, got 50'],
    [['--crop-percent', 'ten'], "option '--crop-percent <p>' argument 'ten' is invalid. --crop-percent must be a whole percent between 0 and 99, got 'ten'"],
    [['--fd-skip-frames', '-1'], "--fd-skip-frames must be a non-negative integer, got '-1'"],
    [['--video-filter', '/nonexistent/filter'], 'gazecoder: /nonexistent/filter: no such file or folder (--video-filter)'],
  ])('refuses %j with one clear error, writing nothing', (flags, message) => {
    const out = join(tmp.path, `bad-${Math.random()}`);
    const run = annotate(video, out, ...flags);
    expect(run.code).toBe(1);
    expect(run.stderr.split('\n')[0]).toContain(message);
    expect(existsSync(out)).toBe(false);
  });

  it('--fd-skip-frames N detects on every (N+1)th frame, the frames between reuse its faces', () => {
    plainRun();
    const out = join(tmp.path, 'skip');
    expect(annotate(video, out, '--fd-skip-frames', '3').code).toBe(0);
    const skipped = classes(join(out, 'baby.txt'));
    const every = classes(join(plain, 'baby.txt'));
    // Detected on 0, 4, …, 20, 24, 28: 20 and 24 are blank, so 20–27 are noface; faces come back at
    // frame 25 but are only seen at 28. Without skipping, 20–24 alone are noface.
    expect(every.slice(20, 28)).toEqual([...Array(5).fill('noface'), ...every.slice(25, 28)]);
    expect(every.slice(25, 28)).not.toContain('noface');
    expect(skipped.slice(20, 28)).toEqual(Array(8).fill('noface'));
    expect(skipped.slice(28, TOTAL_FRAMES - 4)).not.toContain('noface');
    expect(skipped.slice(4, 20)).not.toContain('noface');
  });

  it('--video-filter codes only the videos it names (a folder, as iCatcher+, or a list file); a file source is not filtered', () => {
    const folder = join(tmp.path, 'several');
    mkdirSync(folder);
    for (const name of ['a.mp4', 'b.mp4', 'c.mp4']) copyFileSync(video, join(folder, name));
    const filterFolder = join(tmp.path, 'filter');
    mkdirSync(filterFolder);
    writeFileSync(join(filterFolder, 'b.txt'), '');
    const byFolder = annotate(folder, join(tmp.path, 'filtered'), '--video-filter', filterFolder);
    expect(byFolder.code).toBe(0);
    expect((JSON.parse(byFolder.stdout) as { annotated: Array<{ video: string }> }).annotated.map((v) => v.video)).toEqual([join(folder, 'b.mp4')]);
    expect(readdirSync(join(tmp.path, 'filtered'))).toEqual(['b.txt']);
    const list = join(tmp.path, 'list.txt');
    writeFileSync(list, 'c.mp4\n\nsomewhere/a\n');
    const byList = annotate(folder, join(tmp.path, 'listed'), '--video-filter', list);
    expect(readdirSync(join(tmp.path, 'listed')).sort()).toEqual(['a.txt', 'c.txt']);
    expect(byList.code).toBe(0);
    // Nothing named: an error naming both.
    const none = annotate(folder, join(tmp.path, 'none'), '--video-filter', join(FIXTURES, 'README.md'));
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`gazecoder: ${folder}: none of its 3 video(s) is named in --video-filter ${join(FIXTURES, 'README.md')}`);
  });

  it('--pic-in-pic puts the face at 100×100 in the bottom-left corner; --output-file-suffix names raw_output', () => {
    plainRun();
    const out = join(tmp.path, 'pip');
    const run = annotate(video, out, '--output-format', 'raw_output,ui', '--pic-in-pic', '--output-file-suffix', '_gaze.txt');
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['baby', 'baby_gaze.txt']);
    expect(readFileSync(join(out, 'baby_gaze.txt'), 'utf8')).toBe(readFileSync(join(plain, 'baby.txt'), 'utf8'));
    const cv = opencv();
    const withPip = cv.imread(join(out, 'baby', 'decorated_frames', 'frame_00010.jpg'));
    const without = cv.imread(join(plain, 'baby', 'decorated_frames', 'frame_00010.jpg'));
    const corner = new cv.Rect(0, 140, 100, 100);
    // The corner now shows the face: far from the plain frame's background there.
    expect(withPip.getRegion(corner).absdiff(without.getRegion(corner)).mean().x).toBeGreaterThan(10);
    // Above it (whole JPEG blocks away) next to nothing changed.
    const above = new cv.Rect(0, 0, 320, 128);
    expect(withPip.getRegion(above).absdiff(without.getRegion(above)).mean().x).toBeLessThan(0.05);
    // A frame without a face: a black corner.
    const blank = cv.imread(join(out, 'baby', 'decorated_frames', 'frame_00022.jpg')).getRegion(new cv.Rect(4, 144, 92, 92)).mean();
    expect(Math.max(blank.x, blank.y, blank.z)).toBeLessThan(8);
  });
});
