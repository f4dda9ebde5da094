// iCatcher+'s machine outputs, read as its evaluation reads them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { parseMachineText, readMachineCoding } from '../src';
import { python, tempDir } from '@gazecoder/test-helpers';

let dir: { path: string; cleanup: () => void };
beforeAll(() => (dir = tempDir('machine')));
afterAll(() => dir.cleanup());

// As `icatcher --output_format raw_output` writes: "{}, {}, {:.02f}\n" per frame.
const RAW = ['none', 'none', 'none', 'none', 'left', 'left', 'noface', 'right', 'away', 'nobabyface', 'right', 'none', 'none', 'none', 'none']
  .map((c, i) => `${i}, ${c}, ${c === 'left' || c === 'right' || c === 'away' ? '0.84' : '-1.00'}\n`)
  .join('');

describe('iCatcher+ machine outputs', () => {
  it('reads raw_output text: class ids per frame, the first and last 4 frames invalid', async () => {
    const path = join(dir.path, 'video.txt');
    writeFileSync(path, RAW);
    const m = await readMachineCoding(path);
    expect(Array.from(m.labels)).toEqual([-3, -3, -3, -3, 1, 1, -2, 2, 0, -1, 2, -3, -3, -3, -3]);
    expect(Array.from(m.confidences.slice(4, 9))).toEqual([0.84, 0.84, -1, 0.84, 0.84].map(Math.fround));
    expect([m.start, m.end]).toEqual([4, 11]);
  });

  it('reads the compressed npz (int64 ids, float64 confidences) and marks the edges like CompressedParser', async () => {
    const path = join(dir.path, 'video.npz');
    python(`import numpy as np, sys; np.savez(sys.argv[1], np.array([1, 1, 2, 2, 0, 0, -2, 1, 1, 2]), np.array([.9, .9, .8, .8, .7, .7, -1, .6, .6, .5]))`, path);
    const m = await readMachineCoding(path);
    expect(Array.from(m.labels)).toEqual([-3, -3, -3, -3, 0, 0, -3, -3, -3, -3]);
    expect(Array.from(m.confidences)).toEqual([-1, -1, -1, -1, 0.7, 0.7, -1, -1, -1, -1].map(Math.fround));
    expect([m.start, m.end]).toEqual([4, 6]);
  });

  it('names the file and line of a bad line, and explains on/off outputs', () => {
    expect(() => parseMachineText('0, none, -1.00\n1, sideways, 0.5\n', 'out.txt')).toThrow("out.txt:2: unknown class 'sideways'");
    expect(() => parseMachineText('0, on, 0.90\n', 'out.txt')).toThrow(/out\.txt:1: unknown class 'on' \(an --on_off output/);
    expect(() => parseMachineText('0, left, 0.90\n2, left, 0.90\n', 'out.txt')).toThrow('out.txt:2: frame 2 where frame 1 was expected');
  });
});
