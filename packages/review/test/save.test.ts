// Saving a corrected coding: each format lands in reviewed/<format>/ beside the source and reads back
// with the readers eval and preprocess use, labels for labels (the Lookit text at a constant rate
// through iCatcher+'s fps mapping, at a variable one through each frame's time); never over an input.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { frameLabels, LABEL, readHumanCoding, readMachineAnswers, uncollapse } from '@gazecoder/formats';
import { tempDir } from '@gazecoder/test-helpers';

import type { Timing } from '../src/protocol';
import { reviewedPath, saveCoding } from '../src/save';

const { none, noface, away, left, right } = LABEL;
const LABELS = Int8Array.from([none, none, left, left, left, noface, noface, right, right, away, away, none, left, none]);
const CONFIDENCES = Float32Array.from(LABELS, (l) => (l >= 0 ? 0.75 : -1));
/** What a human coding can say of a frame: its gaze class, or no label (−3). */
const asHuman = Array.from(LABELS, (l) => (l >= 0 ? l : none));

describe('saveCoding', () => {
  it('writes raw_output, compressed, ui and Lookit text that read back as the labels (constant rate)', async () => {
    const temp = tempDir('review-save');
    try {
      const timing: Timing = { kind: 'cfr', fps: 30 };
      const written = await saveCoding(LABELS, CONFIDENCES, { folder: temp.path, stem: 'clip', timing, inputs: [join(temp.path, 'clip.txt')] }, ['raw_output', 'compressed', 'ui', 'lookit']);
      expect(written).toEqual([
        join(temp.path, 'reviewed', 'raw_output', 'clip.txt'),
        join(temp.path, 'reviewed', 'compressed', 'clip.npz'),
        join(temp.path, 'reviewed', 'ui', 'clip', 'labels.txt'),
        join(temp.path, 'reviewed', 'lookit', 'clip.txt'),
      ]);
      for (const file of written.slice(0, 3)) {
        const answers = await readMachineAnswers(file);
        expect({ file, labels: [...answers.labels] }).toEqual({ file, labels: [...LABELS] });
        expect(answers.confidences[2]).toBeCloseTo(0.75, 2);
      }
      const lookit = await readHumanCoding(written[3] as string, { timeBase: { fps: 30 } });
      expect([...uncollapse(lookit)]).toEqual(asHuman);
      expect(lookit.trials).toEqual([[2, LABELS.length]]);
    } finally {
      temp.cleanup();
    }
  });

  it('writes Lookit text that preprocess reads back at each frame’s own time (variable rate)', async () => {
    const temp = tempDir('review-save');
    try {
      const timesMs = Array.from(LABELS, (_, f) => (f < 7 ? f * 33.333 : 233.331 + (f - 7) * 66.667));
      const [file] = await saveCoding(LABELS, CONFIDENCES, { folder: temp.path, stem: 'clip', timing: { kind: 'vfr', timesMs }, inputs: [] }, ['lookit']);
      const coding = await readHumanCoding(file as string, { timeBase: 'ms' });
      expect([...frameLabels(coding, timesMs, none)]).toEqual(asHuman);
    } finally {
      temp.cleanup();
    }
  });

  it('never writes over an input', async () => {
    const temp = tempDir('review-save');
    try {
      const source = reviewedPath(temp.path, 'clip', 'raw_output');
      await expect(saveCoding(LABELS, CONFIDENCES, { folder: temp.path, stem: 'clip', timing: { kind: 'cfr', fps: 30 }, inputs: [source] }, ['raw_output'])).rejects.toThrow('is one of the inputs');
      expect(existsSync(source)).toBe(false);
    } finally {
      temp.cleanup();
    }
  });
});
