// The shared atomic write on a real file system: content lands whole, an old file is replaced, and a
// failure (here: the target is a folder, so the rename fails after the temp was written) leaves no
// temporary sibling behind.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { tempSibling, writeFileAtomic, writeFileAtomicSync } from '../src';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gazecoder-files-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('tempSibling', () => {
  it('names a distinct file in the same folder each call', () => {
    const path = join(dir, 'out.json');
    const a = tempSibling(path);
    const b = tempSibling(path);
    expect(dirname(a)).toBe(dir);
    expect(a.startsWith(`${path}.tmp-${process.pid}-`)).toBe(true);
    expect(a).not.toBe(b);
  });
});

describe.each([
  ['writeFileAtomic', (path: string, data: string | Uint8Array) => writeFileAtomic(path, data)],
  ['writeFileAtomicSync', async (path: string, data: string | Uint8Array) => writeFileAtomicSync(path, data)],
])('%s', (_name, write) => {
  it('writes the data and replaces an existing file, leaving only the target', async () => {
    const path = join(dir, 'out.txt');
    writeFileSync(path, 'old content that is longer');
    await write(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    await write(path, Uint8Array.from([1, 2, 3]));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    expect(readdirSync(dir)).toEqual(['out.txt']);
  });

  it('rejects when the rename fails and removes its temporary file', async () => {
    const path = join(dir, 'taken');
    mkdirSync(join(path, 'inside'), { recursive: true });
    await expect(write(path, 'x')).rejects.toThrow(/taken/);
    expect(readdirSync(dir)).toEqual(['taken']);
  });
});

it('writeFileAtomic joins a list of chunks in order', async () => {
  const path = join(dir, 'chunks.bin');
  await writeFileAtomic(path, [Uint8Array.from([1]), Buffer.from([2, 3])]);
  expect([...readFileSync(path)]).toEqual([1, 2, 3]);
});
