// The corrected track and its journal: operations apply, undo and redo as an editor's do; the
// journal replays them into the same track and history, drops a line cut short by a crash, and
// refuses a journal of another source or one damaged before its last line.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { tempDir } from '@gazecoder/test-helpers';

import { CorrectedTrack } from '../src/corrected-track';
import { Journal } from '../src/journal';
import type { EditRequest } from '../src/protocol';

const SOURCE = [1, 1, 1, 1, 2, 2, 2, 2, 0, 0];
const track = () => new CorrectedTrack(SOURCE, SOURCE.map(() => 0.8));

describe('CorrectedTrack', () => {
  it('sets ranges, undoes and redoes them, and a new edit clears what could be redone', () => {
    const t = track();
    expect(t.state).toBe('unreviewed');
    t.apply({ type: 'set', start: 2, end: 6, label: 0 });
    expect([...t.labels]).toEqual([1, 1, 0, 0, 0, 0, 2, 2, 0, 0]);
    expect([...t.confidences].slice(1, 7)).toEqual([0.800000011920929, 1, 1, 1, 1, 0.800000011920929]);
    expect(t.state).toBe('in progress');
    t.apply({ type: 'set', start: 0, end: 1, label: -3 });
    expect(t.confidences[0]).toBe(-1);
    t.apply({ type: 'undo' });
    t.apply({ type: 'undo' });
    expect([...t.labels]).toEqual(SOURCE);
    expect(t.canUndo).toBe(false);
    t.apply({ type: 'redo' });
    expect([...t.labels]).toEqual([1, 1, 0, 0, 0, 0, 2, 2, 0, 0]);
    t.apply({ type: 'set', start: 9, end: 10, label: 2 });
    expect(t.canRedo).toBe(false);
    t.apply({ type: 'state', state: 'done' });
    expect(t.state).toBe('done');
  });

  it('refuses what cannot be applied', () => {
    const t = track();
    expect(t.check({ type: 'set', start: 5, end: 5, label: 1 })).toMatch(/not a range/);
    expect(t.check({ type: 'set', start: 0, end: 11, label: 1 })).toMatch(/not a range/);
    expect(t.check({ type: 'set', start: -1, end: 2, label: 1 })).toMatch(/not a range/);
    expect(t.check({ type: 'set', start: 0, end: 2, label: -2 })).toMatch(/cannot be set/);
    expect(t.check({ type: 'undo' })).toBe('nothing to undo');
    expect(t.check({ type: 'redo' })).toBe('nothing to redo');
    expect(() => t.apply({ type: 'undo' })).toThrow('nothing to undo');
  });
});

describe('Journal', () => {
  const header = { source: '/codings/clip.txt', sourceSha256: 'abc', frames: SOURCE.length };
  const ops: EditRequest[] = [
    { type: 'set', start: 2, end: 6, label: 0 },
    { type: 'set', start: 8, end: 10, label: 1 },
    { type: 'undo' },
    { type: 'state', state: 'done' },
  ];

  it('replays what was appended into the same track and history, and drops a torn last line', () => {
    const temp = tempDir('review-journal');
    try {
      const path = join(temp.path, 'reviewed', 'clip.journal.jsonl');
      const first = Journal.open(path, header);
      expect(first.operations).toEqual([]);
      const live = track();
      for (const op of ops) {
        first.journal.append(op);
        live.apply(op);
      }
      first.journal.append({ type: 'saved', files: ['x'] });
      first.journal.append({ type: 'set', start: 0, end: 1, label: 2 });
      live.apply({ type: 'set', start: 0, end: 1, label: 2 });
      first.journal.close();
      appendFileSync(path, '{"type":"set","start":3,"e');

      const second = Journal.open(path, header);
      expect(second.unsaved).toBe(true);
      const replayed = track();
      for (const op of second.operations) replayed.apply(op);
      expect([...replayed.labels]).toEqual([...live.labels]);
      expect(replayed.state).toBe('done');
      // the history too: the edit undone before the crash stays undone, the others undo and redo
      replayed.apply({ type: 'undo' });
      replayed.apply({ type: 'undo' });
      expect([...replayed.labels]).toEqual(SOURCE);
      expect(replayed.canUndo).toBe(false);
      replayed.apply({ type: 'redo' });
      replayed.apply({ type: 'redo' });
      expect([...replayed.labels]).toEqual([2, 1, 0, 0, 0, 0, 2, 2, 0, 0]);
      expect(replayed.canRedo).toBe(false);
      // the torn line is gone; the next entry starts on a line of its own
      second.journal.append({ type: 'undo' });
      second.journal.close();
      const lines = readFileSync(path, 'utf8').split('\n');
      expect(lines[lines.length - 1]).toBe('');
      expect(lines.slice(0, -1).map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(['open', 'set', 'set', 'undo', 'state', 'saved', 'set', 'undo']);
      const again = Journal.open(path, header);
      expect(again.operations).toHaveLength(6);
      again.journal.close();
    } finally {
      temp.cleanup();
    }
  });

  it('is made by the first edit, and refuses a journal of another source or one damaged before its last line', () => {
    const temp = tempDir('review-journal');
    try {
      const path = join(temp.path, 'reviewed', 'clip.journal.jsonl');
      // opened and closed without an edit: nothing is written
      Journal.open(path, header).journal.close();
      expect(existsSync(join(temp.path, 'reviewed'))).toBe(false);
      const made = Journal.open(path, header).journal;
      made.append({ type: 'state', state: 'in progress' });
      made.close();
      expect(() => Journal.open(path, { ...header, sourceSha256: 'def' })).toThrow(/made on another version of \/codings\/clip.txt .*move the journal away/);
      expect(() => Journal.open(path, { ...header, frames: 11 })).toThrow(/another version/);
      appendFileSync(path, 'not json\n{"type":"undo","at":"x"}\n');
      expect(() => Journal.open(path, header)).toThrow(`${path}: line 3 is not a journal entry`);
      writeFileSync(path, '{"type":"set","start":0,"end":1,"label":1}\n');
      expect(() => Journal.open(path, header)).toThrow('not a gazecoder review journal');
    } finally {
      temp.cleanup();
    }
  });
});
