// Malformed inputs through the CLI, as a user meets them: coding files, the metadata TSV, a videos CSV,
// VCX XML, a dataset manifest, corrupt and truncated videos and garbage images, hostile .npy arrays of a
// packed dataset, through `preprocess`, `faces`, `annotate`, `eval`, `test` and `train`. Every bad file is named with its problem; where a command handles
// many files the others are processed; nothing is left half-written.
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { rng } from '@gazecoder/formats';
import { buildLookitFixture, codingName, codingText, drawFace, identity, videoName, writeVideo, type FixtureVideo } from '@gazecoder/synth';

import { rawOutputText, vcxText, writeNpz, writeText } from './helpers/coding-files';
import { gazecoder, python, tempDir } from './helpers/run';

const tmp = tempDir('faults-input');
afterAll(() => tmp.cleanup());

const id = (n: number) => `bbbbbbbb-0000-4000-8000-00000000000${n}`;
const CODING = ['0,0,left', '300,0,right', '600,0,end'];

/** Every file under `dir`, relative, sorted: to show that nothing but finished output is there. */
function tree(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? tree(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]))
    .sort();
}

/** A short H.264 video of a drawn face, and its first bytes only: a truncated file. */
function videos(dir: string): { good: string; truncated: string } {
  mkdirSync(dir, { recursive: true });
  const random = rng(5);
  const who = identity(random);
  const good = join(dir, 'good.mp4');
  writeVideo(good, Array.from({ length: 24 }, () => drawFace(who, 'left', 320, 240, random).frame));
  const truncated = join(dir, 'truncated.mp4');
  writeFileSync(truncated, readFileSync(good).subarray(0, 2000));
  return { good, truncated };
}

describe('gazecoder preprocess with malformed inputs', () => {
  const raw = join(tmp.path, 'lookit');
  const out = join(tmp.path, 'dataset');
  const fixture: FixtureVideo[] = [
    { id: id(1), child: 'c1', which: '1_train', frames: 24, coder1: CODING },
    { id: id(2), child: 'c2', which: '1_train', frames: 24, coder1: CODING },
    { id: id(3), child: 'c3', which: '1_validate', frames: 24, coder1: CODING },
    { id: id(4), child: 'c4', which: '2_test', frames: 24, coder1: CODING, truncate: true },
  ];
  beforeAll(() => {
    buildLookitFixture(raw, fixture);
    // coder 1 of video 2: a comment with a comma, which iCatcher+'s genfromtxt stops on; of video 3: a UTF-16 export.
    writeFileSync(join(raw, 'annotations', 'coder1', codingName(id(2))), codingText(CODING).replace('300,0,right,(null)', "300,0,right,(null)\n200,0,talk,you're, watching"));
    writeFileSync(join(raw, 'annotations', 'coder1', codingName(id(3))), Buffer.from(`\uFEFF${codingText(CODING)}`, 'utf16le'));
  });

  it('fails each bad video with its file and problem, keeps the good one, leaves no partial folder', () => {
    const run = gazecoder('preprocess', raw, out, '--json');
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout) as { processed: string[]; failed: Array<{ id: string; error: string }> };
    expect(summary.processed).toEqual([id(1)]);
    const failed = new Map(summary.failed.map((f) => [f.id, f.error]));
    expect(failed.get(id(2))).toMatch(new RegExp(`${codingName(id(2))}:\\d+: 5 fields where the first row has 4`));
    expect(failed.get(id(3))).toMatch(new RegExp(`${codingName(id(3))}: holds NUL bytes`));
    expect(failed.get(id(4))).toMatch(new RegExp(`${videoName(id(4))}: ffprobe cannot read it`));
    // Only the finished video's folder, the manifest and the dataset's own files: no staging left over.
    const folders = tree(out).map((p) => p.split('/')[0]);
    for (const bad of [id(2), id(3), id(4)]) expect(folders.join(' ')).not.toContain(bad);
    expect(tree(out).filter((p) => /tmp|staging|partial/i.test(p))).toEqual([]);
  });

  it('names a metadata TSV with an unterminated quote and its line, and writes nothing', () => {
    const broken = join(tmp.path, 'lookit-bad-tsv');
    buildLookitFixture(broken, [fixture[0] as FixtureVideo]);
    const tsv = join(broken, 'prephys_split0_videos_detailed.tsv');
    writeFileSync(tsv, readFileSync(tsv, 'utf8').replace('\tc1\t', '\t"c1\t'));
    const target = join(tmp.path, 'dataset-bad-tsv');
    const run = gazecoder('preprocess', broken, target);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${tsv}:2: unterminated quote: the field opened on line 2 runs to the end of the file`);
    expect(tree(target).filter((p) => !p.endsWith('.lock'))).toEqual([]);
  });

  it('names a videos CSV with an unterminated quote; a broken VCX coding fails its video only', () => {
    const dir = join(tmp.path, 'csv-layout');
    const { good } = videos(dir);
    copyFileSync(good, join(dir, 'second.mp4'));
    writeText(join(dir, 'good.txt'), codingText(CODING));
    writeText(join(dir, 'bad.vcx'), vcxText([1, 1, 1, 2, 2, 2, 2, 2, 2, 2], [10]).replace('<plist', '<!-- &#x110000; is fine in a comment -->\n<plist').replace('<string>left</string>', '<string>le&#x110000;ft</string>'));
    const csv = join(dir, 'videos.csv');
    writeFileSync(csv, 'video,coder1,split\ngood.mp4,good.txt,train\nsecond.mp4,bad.vcx,val\n');
    const run = gazecoder('preprocess', csv, join(tmp.path, 'dataset-csv'), '--json');
    expect(run.code).toBe(1);
    const summary = JSON.parse(run.stdout) as { processed: string[]; failed: Array<{ id: string; error: string }> };
    expect(summary.processed).toEqual(['good']);
    expect(summary.failed).toEqual([{ id: 'second', error: expect.stringMatching(new RegExp(`${join(dir, 'bad.vcx')}: malformed XML at offset \\d+: character reference &#x110000; is not a valid XML character`)) }]);

    const unterminated = join(dir, 'unterminated.csv');
    writeFileSync(unterminated, 'video,coder1\ngood.mp4,good.txt\n"second.mp4,bad.vcx\n');
    const bad = gazecoder('preprocess', unterminated, join(tmp.path, 'dataset-csv2'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain(`${unterminated}:3: unterminated quote`);
  });

  it('names a corrupt manifest of the dataset it would resume', () => {
    const manifest = join(out, 'manifest.json');
    const before = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, before.slice(0, Math.floor(before.length / 2)));
    const run = gazecoder('preprocess', raw, out);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${manifest}: not valid JSON`);
    writeFileSync(manifest, before);
  });
});

describe('gazecoder faces with corrupt media', () => {
  const dir = join(tmp.path, 'media');
  let media: { good: string; truncated: string };
  beforeAll(() => {
    media = videos(dir);
    writeFileSync(join(dir, 'garbage.jpg'), Buffer.from('\xff\xd8\xff\xe0 not really a JPEG, just its first bytes', 'latin1'));
    writeFileSync(join(dir, 'empty.png'), Buffer.alloc(0));
  });

  it.each([
    ['a garbage JPEG', 'garbage.jpg'],
    ['an empty PNG', 'empty.png'],
    ['a truncated video', 'truncated.mp4'],
  ])('names %s and says what is wrong', (_, name) => {
    const run = gazecoder('faces', join(dir, name), '--json');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^gazecoder: ${join(dir, name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: .+`, 'm'));
    expect(run.stderr).not.toMatch(/at .*\.js:\d+/); // a message, not a stack trace
  });

  it('still reads the good video', () => {
    const run = gazecoder('faces', media.good, '--json');
    expect(run.code).toBe(0);
  });
});

describe('gazecoder annotate with a truncated video among good ones', () => {
  it('annotates the good video, names the truncated one, and leaves no partial output', () => {
    const dir = join(tmp.path, 'annotate-in');
    videos(dir);
    writeFileSync(join(dir, 'garbage.mp4'), Buffer.from('\x00\x00\x00\x18ftypmp42 and then nothing', 'latin1'));
    const model = join(tmp.path, 'tiny.pth');
    const tiny = 'regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25';
    const saved = gazecoder('model', '--arch', tiny, '--save', model);
    expect(saved.stderr).toBe('');
    const out = join(tmp.path, 'annotate-out');
    const run = gazecoder('annotate', dir, '--model', model, '--arch', tiny, '--output-dir', out, '--output-format', 'raw_output,compressed', '--device', 'cpu');
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`FAILED ${join(dir, 'truncated.mp4')}: ${join(dir, 'truncated.mp4')}: `));
    expect(run.stdout).toMatch(new RegExp(`FAILED ${join(dir, 'garbage.mp4')}: ${join(dir, 'garbage.mp4')}: `));
    expect(tree(out)).toEqual(['good.npz', 'good.txt']);
  });
});

describe('gazecoder eval with unreadable coding files', () => {
  it('skips each with its file and problem and reports the rest', () => {
    const human = join(tmp.path, 'eval-human');
    const machine = join(tmp.path, 'eval-machine');
    const labels = Array.from({ length: 40 }, (_, f) => (f < 20 ? 1 : 2));
    const lookit = codingText(['0,0,left', '667,0,right', '1299,0,end']);
    for (const name of ['good', 'binary', 'utf16', 'vcx-entity']) writeText(join(machine, `${name}.txt`), rawOutputText(labels, labels.map(() => 0.9)));
    writeText(join(human, 'good.txt'), lookit);
    writeFileSync(join(human, 'binary.txt'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]));
    writeFileSync(join(human, 'utf16.txt'), Buffer.from(lookit, 'utf16le'));
    writeText(join(human, 'vcx-entity.vcx'), `stray text ${vcxText([1, 1, 2, 2], [4])}`);
    // A compressed output with one bit of arr_0's data flipped: the zip's CRC-32 catches it.
    writeText(join(human, 'bit-flip.txt'), lookit);
    const npz = join(machine, 'bit-flip.npz');
    writeNpz(npz, labels, labels.map(() => 0.9));
    const bytes = readFileSync(npz);
    const data = bytes.indexOf('\x93NUMPY', 0, 'latin1') + 128 + 8 * 25; // arr_0[25], an int64
    bytes[data] = (bytes[data] as number) ^ 0x01;
    writeFileSync(npz, bytes);
    const json = join(tmp.path, 'eval.json');
    const run = gazecoder('eval', '--human1', human, '--machine', machine, '--json', json);
    expect(run.code).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8')) as { videos: Array<{ id: string }>; skipped: Array<{ id: string; reason: string }> };
    expect(result.videos.map((v) => v.id)).toEqual(['good']);
    const reasons = Object.fromEntries(result.skipped.map((s) => [s.id, s.reason]));
    expect(reasons.binary).toMatch(new RegExp(`${join(human, 'binary.txt')}: holds NUL bytes`));
    expect(reasons.utf16).toMatch(new RegExp(`${join(human, 'utf16.txt')}: holds NUL bytes`));
    expect(reasons['vcx-entity']).toMatch(new RegExp(`${join(human, 'vcx-entity.vcx')}: malformed XML at offset 0: text "stray text" outside the root element`));
    expect(reasons['bit-flip']).toMatch(new RegExp(`${npz}: zip entry 'arr_0\\.npy' fails its CRC-32 check \\(stored [0-9a-f]{8}, computed [0-9a-f]{8}\\): the file is corrupt`));
    expect(run.stdout).toContain('skipped 4 video(s)');
    expect(run.stdout).toContain('human 1 - machine (1 videos)');
  });
});

/** `bytes` (an .npy file) with its header's shape replaced by `shape`, the header keeping its length. */
function withShape(bytes: Buffer, shape: string): Buffer {
  const length = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + length).toString('latin1');
  const changed = header.replace(/'shape': \([^)]*\)/, `'shape': ${shape}`).trimEnd();
  const padded = `${changed}${' '.repeat(length - changed.length - 1)}\n`;
  expect(padded.length).toBe(length);
  return Buffer.concat([bytes.subarray(0, 10), Buffer.from(padded, 'latin1'), bytes.subarray(10 + length)]);
}

describe('gazecoder test and train with hostile .npy files in a packed dataset', () => {
  const tiny = 'regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25';
  const dataset = join(tmp.path, 'npy-dataset');
  const model = join(tmp.path, 'npy-tiny.pth');
  beforeAll(() => {
    const made = python('synthetic_dataset.py', dataset, '--size', '32', '--train-videos', '1', '--val-videos', '1', '--frames', '60');
    expect(made.stderr).toBe('');
    expect(gazecoder('model', '--arch', tiny, '--save', model).code).toBe(0);
  });

  const crops = (dir: string) => join(dir, 'videos', 'val-01', 'crops.npy');
  const boxes = (dir: string) => join(dir, 'videos', 'val-01', 'boxes.npy');
  // crops.npy of val-01 is 60×32×32×3 uint8, boxes.npy 60×5 float32.
  it.each([
    ['a negative dimension', (b: Buffer) => withShape(b, '(-60, 32, 32, 3)'), crops, /crops\.npy: malformed shape \(-60, 32, 32, 3\) in the \.npy header: negative dimension -60/],
    ['a shape whose element count overflows 64 bits', (b: Buffer) => withShape(b, '(4294967296, 4294967296, 32, 3)'), crops, /crops\.npy: malformed shape .* its element count overflows 64 bits/],
    ['a shape that disagrees with the other arrays', (b: Buffer) => withShape(b, '(59, 32, 32, 3)'), boxes, /boxes\.npy: expected float32 \[59, 5\] \(one row per crop of crops\.npy\), found <f4 \[60, 5\]/],
    ['data cut short', (b: Buffer) => b.subarray(0, b.length >> 1), crops, /crops\.npy: truncated: shape \[60, 32, 32, 3\] needs 184320 bytes of data, the file holds \d+/],
  ])('%s: both commands name the file and the problem and write nothing', (name, corrupt, named, message) => {
    const bad = join(tmp.path, `npy-${name.replace(/\W+/g, '-')}`);
    cpSync(dataset, bad, { recursive: true });
    writeFileSync(crops(bad), corrupt(readFileSync(crops(bad))));

    const json = join(bad, 'test.json');
    const tested = gazecoder('test', model, bad, '--split', 'val', '--arch', tiny, '--device', 'cpu', '--json', json);
    expect(tested.code).toBe(1);
    expect(tested.stderr).toMatch(new RegExp(`^gazecoder: ${named(bad)}: `, 'm'));
    expect(tested.stderr).toMatch(message);
    expect(existsSync(json)).toBe(false);

    const out = join(bad, 'run');
    const trained = gazecoder('train', bad, '--out', out, '--arch', tiny, '--epochs', '1', '--batch-size', '8', '--device', 'cpu');
    expect(trained.code).toBe(1);
    expect(trained.stderr).toMatch(new RegExp(`^gazecoder: ${named(bad)}: `, 'm'));
    expect(trained.stderr).toMatch(message);
    expect(tree(out)).toEqual([]);
  });
});
