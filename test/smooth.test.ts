// gazecoder smooth end to end, through `npx gazecoder`: iCatcher+'s own golden pair (its raw_output of
// test_short.mp4 without and with illegal_transitions_short.csv, fixtures/icatcher-illegal-transitions)
// and every format in and out; the bad inputs, one clear error each and nothing written.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { LABEL, rawOutputText, readMachineAnswers, uiLabelsText, writeCompressed, type VideoAnswers } from '@gazecoder/formats';

import { gazecoder, tempDir } from './helpers/run';

const FIXTURES = join(__dirname, 'fixtures', 'icatcher-illegal-transitions');
const csv = (name: string): string => join(FIXTURES, `illegal_transitions_${name}.csv`);
const GOLDEN = readFileSync(join(FIXTURES, 'test_short_illegal_result.txt'), 'utf8');

const tmp = tempDir('smooth');
afterAll(() => tmp.cleanup());

describe('gazecoder smooth', () => {
  it("turns iCatcher+'s golden raw_output into its golden illegal-transitions output, byte for byte", () => {
    const input = join(tmp.path, 'golden');
    mkdirSync(input);
    copyFileSync(join(FIXTURES, 'test_short_result.txt'), join(input, 'test_short.txt'));
    const out = join(tmp.path, 'golden-out');
    const run = gazecoder('smooth', join(input, 'test_short.txt'), '--illegal-transitions', csv('short'), '--output-dir', out);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(readFileSync(join(out, 'test_short.txt'), 'utf8')).toBe(GOLDEN);
    // Again: refused, naming the file, and the file is as it was.
    const again = gazecoder('smooth', join(input, 'test_short.txt'), '--illegal-transitions', csv('short'), '--output-dir', out);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`gazecoder: ${join(out, 'test_short.txt')} already exists; pass --overwrite to replace it\n`);
    expect(gazecoder('smooth', input, '--illegal-transitions', csv('short'), '--output-dir', out, '--overwrite').code).toBe(0);
    expect(readFileSync(join(out, 'test_short.txt'), 'utf8')).toBe(GOLDEN);
  });

  it('reads a folder of compressed, raw_output and ui codings and writes each format, mirrored when asked', async () => {
    const input = join(tmp.path, 'formats');
    mkdirSync(join(input, 'b'), { recursive: true });
    // a: left-right flicker with noface frames at both ends (the .npz keeps them, text shows none at the end).
    const ids = [-2, -3, -3, -3, 1, 2, 1, 1, 2, 1, 2, 2, 0, 2, 1, 1, -2, -2, -2, -2];
    const a: VideoAnswers = { frames: ids.length, answers: ids, confidences: ids.map((id, f) => (id >= 0 ? 0.5 + f / 100 : -1)), edge: 4 };
    await writeCompressed(join(input, 'a.npz'), a, { mirror: false });
    writeFileSync(join(input, 'a.txt'), rawOutputText(a, { mirror: false, onOff: false }));
    writeFileSync(join(input, 'b', 'labels.txt'), uiLabelsText(a, { mirror: true, onOff: false }));
    writeFileSync(join(input, 'notes.md'), 'not a coding');
    const rules = join(tmp.path, 'flicker.csv');
    writeFileSync(rules, 'illegal,corrected\n"121","111"\n"2222","2222"\n');
    const out = join(tmp.path, 'formats-out');
    const run = gazecoder('smooth', input, '--illegal-transitions', rules, '--output-dir', out, '--json');
    expect(run.stderr).toBe('');
    const summary = JSON.parse(run.stdout) as Array<{ stem: string; input: string; outputs: string[]; changed: number }>;
    // a is read from its .npz (every id, full confidences) and written in both formats it was found in.
    expect(summary.map((s) => [s.stem, s.input, s.outputs])).toEqual([
      ['a', join(input, 'a.npz'), [join(out, 'a.npz'), join(out, 'a.txt')]],
      ['b', join(input, 'b', 'labels.txt'), [join(out, 'b')]],
    ]);
    // By hand: the fix at each frame 4…15 in turn, a later rule seeing an earlier one's change.
    const expected = [-2, -3, -3, -3, 1, 1, 1, 1, 1, 1, 2, 2, 0, 2, 1, 1, -2, -2, -2, -2];
    const npz = await readMachineAnswers(join(out, 'a.npz'));
    expect(Array.from(npz.labels)).toEqual(expected);
    expect(Array.from(npz.confidences, (c, f) => (expected[f] !== ids[f] ? c : 'same'))).toEqual(expected.map((e, f) => (e !== ids[f] ? -1 : 'same')));
    // Text: the last 4 + L = 8 frames are none, −1.
    const text = readFileSync(join(out, 'a.txt'), 'utf8').split('\n');
    expect(text.slice(11, 20).map((l) => l.split(', ')[1])).toEqual(['right', 'none', 'none', 'none', 'none', 'none', 'none', 'none', 'none']);
    expect(text[5]).toBe('5, left, -1.00');
    // b was written mirrored: smoothed as it reads, the rules (left-right-left) fire elsewhere.
    expect(readdirSync(join(out, 'b'))).toEqual(['labels.txt']);
    const asRead = readFileSync(join(out, 'b', 'labels.txt'), 'utf8').split('\n');
    expect([asRead[5], asRead[9]]).toEqual(['5, left, 0.55', '9, left, -1.0']);
    // With --mirror-annotation: unmirrored, smoothed, mirrored again, so the rules fire where they did for a.
    const mirrored = join(tmp.path, 'mirrored-out');
    expect(gazecoder('smooth', join(input, 'b'), '--illegal-transitions', rules, '--output-dir', mirrored, '--mirror-annotation').code).toBe(0);
    const ui = readFileSync(join(mirrored, 'b', 'labels.txt'), 'utf8').split('\n');
    expect([ui[5], ui[8], ui[9], ui[10]]).toEqual(['5, right, -1.0', '8, right, -1.0', '9, right, 0.59', '10, left, 0.6']);
    // One format asked for: the .npz only.
    const only = join(tmp.path, 'only-npz');
    expect(gazecoder('smooth', join(input, 'a.txt'), '--illegal-transitions', rules, '--output-dir', only, '--output-format', 'compressed').code).toBe(0);
    const fromText = await readMachineAnswers(join(only, 'a.npz'));
    // From text, the last 4 frames' placeholders are gone (written none); the rest is the same.
    expect(Array.from(fromText.labels)).toEqual([...expected.slice(0, 16), LABEL.none, LABEL.none, LABEL.none, LABEL.none]);
  });

  it.each([
    ['a malformed CSV', ['--illegal-transitions', csv('bad3')], `${csv('bad3')}: line 14: illegal transition '-15-1' has 5, not a class id`],
    ['a missing CSV', ['--illegal-transitions', join(tmp.path, 'nope.csv')], `${join(tmp.path, 'nope.csv')}: no such file (--illegal-transitions)`],
    ['an unknown format', ['--illegal-transitions', csv('good'), '--output-format', 'jpeg'], "--output-format must be raw_output, compressed, ui (or several, comma-separated), got 'jpeg'"],
  ])('refuses %s with one clear error and writes nothing', (_, flags, message) => {
    const input = join(tmp.path, 'golden', 'test_short.txt');
    const out = join(tmp.path, `bad-${flags.length}-${Math.random()}`);
    const run = gazecoder('smooth', input, ...flags, '--output-dir', out);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr.trim().split('\n').filter((l) => l.startsWith('gazecoder:') || l.startsWith('error:'))).toHaveLength(1);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses an on/off output (no classes to smooth), naming the file and line', () => {
    const file = join(tmp.path, 'onoff.txt');
    writeFileSync(file, '0, on, -1.00\n1, off, 0.90\n');
    const run = gazecoder('smooth', file, '--illegal-transitions', csv('good'), '--output-dir', join(tmp.path, 'onoff-out'));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/onoff\.txt:1: unknown class 'on'/);
    expect(existsSync(join(tmp.path, 'onoff-out'))).toBe(false);
  });
});
