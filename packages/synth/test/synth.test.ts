// synthesize()'s refusals name the flag or folder that is wrong. What it draws and writes is checked
// against @gazecoder/preprocess's readers and detector in the e2e workspace (test/synth.test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { synthesize } from '../src';

let root: string;
const raw = (): string => join(root, 'raw');

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'gazecoder-synth-'));
  await synthesize({ out: raw(), videos: 3, seconds: 1, seed: 3 });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('gazecoder synth', () => {
  it('names the flag or folder that is wrong', async () => {
    await expect(synthesize({ out: join(root, 'x'), videos: 2 })).rejects.toThrow('--videos must be an integer ≥ 3, got 2');
    await expect(synthesize({ out: join(root, 'x'), seconds: 0.5 })).rejects.toThrow('--seconds must give at least 30 frames at --fps 30, got 0.5');
    await expect(synthesize({ out: raw() })).rejects.toThrow(`${raw()}: already exists and is not empty; synth writes a new dataset`);
  });
});
