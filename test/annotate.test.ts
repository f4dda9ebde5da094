// gazecoder annotate end to end: a real ffmpeg video of drawn faces (with a stretch without a face),
// a checkpoint saved by `gazecoder model`, the real addon, OpenCV and BlazeFace.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { formatFixed2, rawOutputText, readMachineCoding } from '@gazecoder/formats';
import { annotateVideos, type AnnotatedVideo } from '@gazecoder/annotate';
import { probeVideo } from '@gazecoder/preprocess';

import { lookitText } from './helpers/coding-files';
import { annotateFixturePaths, BLANK_FRAMES, FACE_FRAMES, makeAnnotateFixture, TOTAL_FRAMES } from './helpers/annotate-fixture';
import { gazecoder, tempDir } from './helpers/run';

const tmp = tempDir('annotate');
afterAll(() => tmp.cleanup());

const { video, checkpoint } = annotateFixturePaths(tmp.path);
beforeAll(() => makeAnnotateFixture(tmp.path));

const LINE = /^(\d+), (none|noface|nobabyface|away|left|right), (-1\.00|[01]\.\d\d)$/;

describe('gazecoder annotate', () => {
  it('writes raw_output, compressed, ui and a decorated video that read back identically, and that gazecoder eval scores', async () => {
    const out = join(tmp.path, 'out');
    const movie = join(tmp.path, 'decorated.mp4');
    const run = gazecoder('annotate', video, '--model', checkpoint, '--arch', 'regnet_y_400mf', '--output-dir', out, '--output-format', 'raw_output,compressed,ui', '--output-video', movie, '--device', 'cpu', '--json');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout) as { annotated: Array<Omit<AnnotatedVideo, 'annotation'>>; failed: unknown[] };
    expect(summary.failed).toEqual([]);
    expect(summary.annotated[0]).toMatchObject({ frames: TOTAL_FRAMES, outputs: [join(out, 'baby.txt'), join(out, 'baby.npz'), join(out, 'baby'), movie] });
    // Progress as JSON lines on stderr (not a terminal here).
    expect(run.stderr.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { event: string }).event)).toEqual(expect.arrayContaining(['begin', 'start', 'done', 'end']));

    const lines = readFileSync(join(out, 'baby.txt'), 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(TOTAL_FRAMES);
    lines.forEach((line, f) => {
      expect(line).toMatch(LINE);
      expect(line.startsWith(`${f}, `)).toBe(true);
    });
    const classes = lines.map((l) => l.split(', ')[1]);
    // The first 4 frames keep their placeholder (a face: none), the last 4 are none.
    expect(classes.slice(0, 4)).toEqual(['none', 'none', 'none', 'none']);
    expect(classes.slice(-4)).toEqual(['none', 'none', 'none', 'none']);
    // No face in the blank stretch; predictions (confidence ≥ 1/3) elsewhere in the middle.
    expect(classes.slice(FACE_FRAMES, FACE_FRAMES + BLANK_FRAMES)).toEqual(Array(BLANK_FRAMES).fill('noface'));
    for (const f of [4, 10, FACE_FRAMES - 1, FACE_FRAMES + BLANK_FRAMES, TOTAL_FRAMES - 5]) {
      expect(['away', 'left', 'right']).toContain(classes[f]);
      expect(Number(lines[f]!.split(', ')[2])).toBeGreaterThanOrEqual(0.33);
    }

    const raw = await readMachineCoding(join(out, 'baby.txt'));
    const npz = await readMachineCoding(join(out, 'baby.npz'));
    const ui = await readMachineCoding(join(out, 'baby', 'labels.txt'));
    expect([...npz.labels]).toEqual([...raw.labels]);
    // NumPy reads the .npz as iCatcher+ wrote it: int64 class ids and float64 confidences.
    const numpy = spawnSync('/usr/bin/python3', ['-c', "import sys, json, numpy as np; d = np.load(sys.argv[1]); print(json.dumps([str(d['arr_0'].dtype), str(d['arr_1'].dtype), d['arr_0'].tolist(), d['arr_1'].tolist()]))", join(out, 'baby.npz')], { encoding: 'utf8' });
    expect(numpy.stderr).toBe('');
    const [idType, confidenceType, ids, confidences] = JSON.parse(numpy.stdout) as [string, string, number[], number[]];
    expect([idType, confidenceType]).toEqual(['int64', 'float64']);
    expect(ids.slice(4, -4)).toEqual([...raw.labels].slice(4, -4));
    confidences.slice(4, -4).forEach((c, i) => expect(formatFixed2(c)).toBe(lines[i + 4]!.split(', ')[2]));
    expect([...ui.labels]).toEqual([...raw.labels]);
    npz.confidences.forEach((c, f) => expect(Math.abs(c - raw.confidences[f]!)).toBeLessThanOrEqual(0.005));
    expect(readFileSync(join(out, 'baby', 'labels.txt'), 'utf8')).toMatch(/^0, none, -1\.0\n/);
    expect(readdirSync(join(out, 'baby', 'decorated_frames'))).toHaveLength(TOTAL_FRAMES);
    expect(readdirSync(join(out, 'baby', 'decorated_frames'))[0]).toBe('frame_00000.jpg');
    const decorated = await probeVideo(movie);
    expect(decorated).toMatchObject({ width: 320, height: 240 });
    expect(decorated.packetTimesMs).toHaveLength(TOTAL_FRAMES);

    // A human coding equal to the machine's answers: gazecoder eval reads every format back and agrees fully.
    const human = join(tmp.path, 'human');
    mkdirSync(human);
    writeFileSync(join(human, 'baby.txt'), lookitText(Array.from(raw.labels, (l) => (l >= 0 ? l : -3)), [TOTAL_FRAMES]));
    for (const [name, file] of [['raw', 'baby.txt'], ['npz', 'baby.npz'], ['ui', 'baby']] as const) {
      const machine = join(tmp.path, `machine-${name}`);
      mkdirSync(machine);
      const source = join(out, file);
      if (name === 'ui') {
        mkdirSync(join(machine, 'baby'));
        writeFileSync(join(machine, 'baby', 'labels.txt'), readFileSync(join(source, 'labels.txt')));
      } else writeFileSync(join(machine, file), readFileSync(source));
      const json = join(tmp.path, `eval-${name}.json`);
      const evaluated = gazecoder('eval', '--human1', human, '--machine', machine, '--json', json);
      expect(evaluated.stderr).toBe('');
      expect(evaluated.code).toBe(0);
      const result = JSON.parse(readFileSync(json, 'utf8')) as { summary: { humanMachine: { percentAgreement: { mean: number } } } };
      expect(result.summary.humanMachine.percentAgreement.mean).toBe(1);
    }

    // An existing output is refused, naming it, unless --overwrite.
    const again = gazecoder('annotate', video, '--model', checkpoint, '--arch', 'regnet_y_400mf', '--output-dir', out, '--device', 'cpu');
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(`${join(out, 'baby.txt')} already exists; pass --overwrite to replace it`);
    const overwritten = gazecoder('annotate', video, '--model', checkpoint, '--arch', 'regnet_y_400mf', '--output-dir', out, '--device', 'cpu', '--overwrite');
    expect(overwritten.code).toBe(0);
    expect(readFileSync(join(out, 'baby.txt'), 'utf8')).toBe(`${lines.join('\n')}\n`);
  });

  it('encodes each frame once and gives the labels (and confidences within 1e-5) of every window recomputed by the plain forward pass', async () => {
    const options = { source: video, model: checkpoint, arch: 'regnet_y_400mf', outputDir: join(tmp.path, 'reuse'), device: 'cpu', batchSize: 7 };
    const shared = await annotateVideos({ ...options, outputDir: join(tmp.path, 'shared') });
    const recomputed = await annotateVideos({ ...options, outputDir: join(tmp.path, 'recomputed'), encodeOnce: false });
    const a = shared.annotated[0]!.annotation;
    const b = recomputed.annotated[0]!.annotation;
    expect(a.frames).toBe(TOTAL_FRAMES);
    expect([...a.answers]).toEqual([...b.answers]);
    expect([...a.answers].filter((l) => l >= 0).length).toBeGreaterThan(20);
    expect(new Set([...a.answers].filter((l) => l >= 0)).size).toBeGreaterThan(1);
    a.confidences.forEach((c, f) => expect(Math.abs(c - b.confidences[f]!)).toBeLessThanOrEqual(1e-5));

    // --mirror-annotation swaps left and right; --on-off names on/off only.
    const plain = rawOutputText(a, { mirror: false, onOff: false }).split('\n');
    const mirrored = rawOutputText(a, { mirror: true, onOff: false }).split('\n');
    plain.forEach((line, f) => expect(mirrored[f]).toBe(line.replace(/left|right/, (m) => (m === 'left' ? 'right' : 'left'))));
    const onOff = rawOutputText(a, { mirror: false, onOff: true }).trim().split('\n');
    onOff.forEach((line, f) => expect(line.split(', ')[1]).toBe(plain[f]!.split(', ')[1] === 'away' ? 'off' : 'on'));
  });

  it("crops faces at the run's imageSize from config.json beside the checkpoint (100 without one), in both window runners", async () => {
    // The same weights in two run folders that differ only in the crop size they were trained at.
    const runFolder = (imageSize: number): string => {
      const dir = join(tmp.path, `run${imageSize}`);
      mkdirSync(dir);
      copyFileSync(checkpoint, join(dir, 'best.pth'));
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ arch: 'regnet_y_400mf', imageSize }));
      return join(dir, 'best.pth');
    };
    const options = { source: video, device: 'cpu', outputDir: join(tmp.path, 'sizes') };
    const at64 = await annotateVideos({ ...options, model: runFolder(64), overwrite: true });
    const at100 = await annotateVideos({ ...options, model: runFolder(100), overwrite: true });
    const noConfig = await annotateVideos({ ...options, model: checkpoint, arch: 'regnet_y_400mf', overwrite: true });
    expect([at64.imageSize, at100.imageSize, noConfig.imageSize]).toEqual([64, 100, 100]);
    expect(at64.arch).toBe('regnet_y_400mf');
    const a64 = at64.annotated[0]!.annotation;
    const a100 = at100.annotated[0]!.annotation;
    expect([...a100.confidences]).toEqual([...noConfig.annotated[0]!.annotation.confidences]);
    // The model really saw other pixels at 64 px: every predicted frame's confidence moves.
    const predicted = [...a64.answers.keys()].filter((f) => a64.answers[f]! >= 0);
    expect(predicted.length).toBeGreaterThan(20);
    predicted.forEach((f) => expect(a64.confidences[f]).not.toBe(a100.confidences[f]));
    // iCatcher+'s per-window forward pass takes 64 px crops too and agrees with the shared encoder.
    const perWindow = (await annotateVideos({ ...options, model: join(tmp.path, 'run64', 'best.pth'), overwrite: true, encodeOnce: false })).annotated[0]!.annotation;
    expect([...perWindow.answers]).toEqual([...a64.answers]);
    a64.confidences.forEach((c, f) => expect(Math.abs(c - perWindow.confidences[f]!)).toBeLessThanOrEqual(1e-5));
  });

  it('--jobs 2 codes a folder two videos at a time, each output byte for byte what --jobs 1 writes, a broken video failing alone', () => {
    const folder = join(tmp.path, 'backlog');
    mkdirSync(folder);
    const mirrored = join(tmp.path, 'mirrored.mp4');
    const flip = spawnSync('ffmpeg', ['-v', 'error', '-y', '-i', video, '-vf', 'hflip', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', mirrored], { encoding: 'utf8' });
    expect(flip.stderr).toBe('');
    copyFileSync(video, join(folder, 'a.mp4'));
    copyFileSync(mirrored, join(folder, 'b.mp4'));
    writeFileSync(join(folder, 'c.mp4'), Buffer.from('this is not a video'));
    copyFileSync(video, join(folder, 'd.mp4'));
    const code = (jobs: string) => {
      const out = join(tmp.path, `backlog-${jobs}`);
      const run = gazecoder('annotate', folder, '--model', checkpoint, '--arch', 'regnet_y_400mf', '--output-dir', out, '--device', 'cpu', '--output-format', 'raw_output,compressed', '--jobs', jobs, '--json');
      return { run, out, summary: JSON.parse(run.stdout) as { jobs: number; annotated: Array<{ video: string }>; failed: Array<{ video: string; error: string }> } };
    };
    const one = code('1');
    const two = code('2');
    for (const { run, summary } of [one, two]) {
      expect(run.code).toBe(1);
      expect(summary.annotated.map((v) => v.video)).toEqual(['a.mp4', 'b.mp4', 'd.mp4'].map((f) => join(folder, f)));
      expect(summary.failed).toEqual([{ video: join(folder, 'c.mp4'), error: expect.stringMatching(/c\.mp4: ffprobe cannot read it/) }]);
    }
    expect([one.summary.jobs, two.summary.jobs]).toEqual([1, 2]);
    expect(readdirSync(two.out).sort()).toEqual(['a.npz', 'a.txt', 'b.npz', 'b.txt', 'd.npz', 'd.txt']);
    for (const file of readdirSync(one.out)) expect(readFileSync(join(two.out, file))).toEqual(readFileSync(join(one.out, file)));
    // The mirrored video is coded differently, so the lanes did not mix up their videos.
    expect(readFileSync(join(two.out, 'b.txt'), 'utf8')).not.toBe(readFileSync(join(two.out, 'a.txt'), 'utf8'));
    // Two at once: the second video started before the first was done.
    const events = (run: { stderr: string }) => run.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; video?: string });
    const order = (run: { stderr: string }) => events(run).filter((e) => e.event === 'start' || e.event === 'done').map((e) => `${e.event} ${e.video}`);
    expect(order(one.run).slice(0, 3)).toEqual(['start a.mp4', 'done a.mp4', 'start b.mp4']);
    expect(order(two.run).slice(0, 2)).toEqual(['start a.mp4', 'start b.mp4']);

    const zero = gazecoder('annotate', folder, '--model', checkpoint, '--jobs', '0');
    expect(zero.code).toBe(1);
    expect(zero.stderr).toMatch(/--jobs/);
    const stream = gazecoder('annotate', '-', '--model', checkpoint, '--jobs', '2');
    expect(stream.code).toBe(1);
    expect(stream.stderr).toMatch(/--jobs: not available yet for a stream source/);
  });

  it('reports a missing or corrupt video with its reason, annotates the rest of the folder, and exits 1', () => {
    const folder = join(tmp.path, 'batch');
    mkdirSync(folder);
    writeFileSync(join(folder, 'broken.mp4'), Buffer.from('this is not a video'));
    writeFileSync(join(folder, 'good.mp4'), readFileSync(video));
    const out = join(tmp.path, 'batch-out');
    const run = gazecoder('annotate', folder, '--model', checkpoint, '--arch', 'regnet_y_400mf', '--output-dir', out, '--device', 'cpu', '--output-format', 'compressed');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`FAILED ${join(folder, 'broken.mp4')}: ${join(folder, 'broken.mp4')}: ffprobe cannot read it`));
    expect(existsSync(join(out, 'good.npz'))).toBe(true);
    expect(existsSync(join(out, 'broken.npz'))).toBe(false);
    expect(readdirSync(out)).toEqual(['good.npz']); // no temp file left behind

    const missing = gazecoder('annotate', join(tmp.path, 'nope.mp4'), '--model', checkpoint, '--output-dir', out);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${join(tmp.path, 'nope.mp4')}: no such video or folder`);
    const noModel = gazecoder('annotate', video, '--model', join(tmp.path, 'nope.pth'), '--output-dir', out);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toContain(`${join(tmp.path, 'nope.pth')}: no such checkpoint (--model)`);
    const wrongArch = gazecoder('annotate', video, '--model', checkpoint, '--arch', 'resnet18', '--output-dir', out);
    expect(wrongArch.code).toBe(1);
    expect(wrongArch.stderr).toContain(`${checkpoint}: cannot load it as a resnet18 GazeCodingModel`);
    // The model loads while the first videos are read: its error is still the run's, not a video's,
    // even when a video fails before the model has finished loading, and nothing is written.
    const modelAndVideo = gazecoder('annotate', folder, '--model', checkpoint, '--arch', 'resnet18', '--output-dir', join(tmp.path, 'batch-none'), '--device', 'cpu', '--json');
    expect(modelAndVideo.code).toBe(1);
    expect(modelAndVideo.stderr).toContain(`${checkpoint}: cannot load it as a resnet18 GazeCodingModel`);
    expect(modelAndVideo.stdout).not.toContain('broken.mp4');
    expect(existsSync(join(tmp.path, 'batch-none'))).toBe(false);
  });
});
