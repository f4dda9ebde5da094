// `gazecoder review`'s journal against a crash: edits acknowledged by the server survive a kill -9
// in the middle of a burst of edits (and a journal line cut short by it), the restarted server has
// the same track, review state and undo history; Ctrl-C (SIGINT) saves, then stops.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { classRuns, makeVideo, startReview, writeRawOutput, type RunningReview } from './helpers/review';
import { tempDir } from './helpers/run';

interface Runs {
  starts: number[];
  labels: number[];
}
interface Corrected {
  runs: Runs;
  canUndo: boolean;
  canRedo: boolean;
  state: string;
  unsaved: boolean;
}

const FRAMES = 90;
const LEFT = 1;
const RIGHT = 2;
const AWAY = 0;
const NONE = -3;

function perFrame(runs: Runs): number[] {
  const out: number[] = [];
  runs.starts.forEach((start, i) => {
    const end = runs.starts[i + 1] ?? FRAMES;
    for (let f = start; f < end; f += 1) out.push(runs.labels[i] as number);
  });
  return out;
}

async function call<T>(review: RunningReview, path: string, body?: unknown): Promise<T> {
  const response = await fetch(new URL(path, review.url), body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

const corrected = async (review: RunningReview) => (await call<{ corrected: Corrected }>(review, 'api/videos/clip')).corrected;

describe('gazecoder review after a crash', () => {
  const temp = tempDir('review-crash');
  const videos = join(temp.path, 'videos');
  const codings = join(temp.path, 'codings');
  const journal = join(codings, 'reviewed', 'clip.journal.jsonl');
  const args = () => [videos, '--codings', codings];
  const acknowledged: number[] = [];

  beforeAll(() => {
    mkdirSync(videos);
    mkdirSync(codings);
    makeVideo(join(videos, 'clip.mp4'), { frames: FRAMES });
    writeRawOutput(join(codings, 'clip.txt'), classRuns([[0, 'none'], [4, 'left'], [86, 'none']], FRAMES), new Array<number>(FRAMES).fill(0.9));
  });

  afterAll(() => temp.cleanup());

  it('keeps every acknowledged edit through a kill -9 in the middle of a burst of edits', async () => {
    const first = await startReview(args(), { direct: true });
    try {
      await call(first, 'api/videos/clip/edits', { type: 'set', start: 10, end: 12, label: AWAY });
      await call(first, 'api/videos/clip/edits', { type: 'set', start: 20, end: 25, label: RIGHT });
      await call(first, 'api/videos/clip/edits', { type: 'undo' });
      await call(first, 'api/videos/clip/edits', { type: 'set', start: 30, end: 31, label: NONE });
      await call(first, 'api/videos/clip/edits', { type: 'state', state: 'done' });
      // 40 edits at once; the server is killed as soon as 5 of them are answered
      let answered = 0;
      let killed!: () => void;
      const kill = new Promise<void>((resolve) => (killed = resolve));
      const burst = Array.from({ length: 40 }, (_, i) =>
        call(first, 'api/videos/clip/edits', { type: 'set', start: 40 + i, end: 41 + i, label: RIGHT }).then(
          () => {
            acknowledged.push(40 + i);
            answered += 1;
            if (answered === 5) killed();
          },
          () => undefined,
        ),
      );
      await kill;
      expect(await first.stop('SIGKILL')).toBeNull();
      expect(first.child.signalCode).toBe('SIGKILL');
      await Promise.all(burst);
    } finally {
      await first.stop('SIGKILL');
    }
    expect(acknowledged.length).toBeGreaterThanOrEqual(5);
    // a crash mid-write leaves a line cut short: it was never acknowledged, and is dropped on restart
    appendFileSync(journal, '{"type":"set","start":80,"end":8');

    const second = await startReview(args(), { direct: true });
    try {
      const after = await corrected(second);
      const labels = perFrame(after.runs);
      expect(labels.slice(10, 12)).toEqual([AWAY, AWAY]);
      expect(labels.slice(20, 25)).toEqual(new Array(5).fill(LEFT)); // undone before the crash
      expect(labels[30]).toBe(NONE);
      for (const f of acknowledged) expect({ f, label: labels[f] }).toEqual({ f, label: RIGHT });
      for (let f = 40; f < 80; f += 1) expect([LEFT, RIGHT]).toContain(labels[f]);
      expect(labels[80]).toBe(LEFT);
      expect(after.state).toBe('done');
      expect(after.unsaved).toBe(true);
      // the undo history came back too: undo takes back the last journalled edit
      const rights = labels.filter((l) => l === RIGHT).length;
      const undone = await call<Corrected>(second, 'api/videos/clip/edits', { type: 'undo' });
      expect(perFrame(undone.runs).filter((l) => l === RIGHT).length).toBe(rights - 1);
      expect(undone.canRedo).toBe(true);
      await call(second, 'api/videos/clip/edits', { type: 'redo' });
      expect(readFileSync(journal, 'utf8').endsWith('\n')).toBe(true);
    } finally {
      await second.stop('SIGKILL');
    }
  });

  it('saves on Ctrl-C, then stops; the next start has nothing unsaved', async () => {
    const third = await startReview(args(), { direct: true });
    const before = perFrame((await corrected(third)).runs);
    expect(await third.stop('SIGINT')).toBe(0);
    expect(third.stdout()).toContain(`saved ${join(codings, 'reviewed', 'raw_output', 'clip.txt')}, ${join(codings, 'reviewed', 'lookit', 'clip.txt')}`);
    const saved = readFileSync(join(codings, 'reviewed', 'raw_output', 'clip.txt'), 'utf8').trim().split('\n');
    const names: Record<number, string> = { [NONE]: 'none', [AWAY]: 'away', [LEFT]: 'left', [RIGHT]: 'right' };
    expect(saved.map((line) => line.split(', ')[1])).toEqual(before.map((l) => names[l]));
    expect(existsSync(join(codings, 'reviewed', 'lookit', 'clip.txt'))).toBe(true);

    const fourth = await startReview(args(), { direct: true });
    try {
      const info = await corrected(fourth);
      expect(perFrame(info.runs)).toEqual(before);
      expect(info.unsaved).toBe(false);
      expect(await fourth.stop('SIGINT')).toBe(0);
      expect(fourth.stdout()).toContain('nothing to save');
    } finally {
      await fourth.stop('SIGKILL');
    }
  });
});
