// The run-length helpers the server and page share, against frame-by-frame brute force; the HTTP
// range parsing of the video route.
import { rng } from '@gazecoder/formats';

import { parseRange } from '../src/range';
import { labelAt, nextDisagreement, toRuns } from '../src/runs';

function randomLabels(random: () => number, frames: number): number[] {
  const labels: number[] = [];
  while (labels.length < frames) {
    const label = Math.floor(random() * 6) - 3;
    const length = 1 + Math.floor(random() * 8);
    for (let i = 0; i < length && labels.length < frames; i += 1) labels.push(label);
  }
  return labels;
}

describe('runs', () => {
  it('give back every frame, and find the next disagreement as a frame-by-frame scan does', () => {
    const random = rng(5);
    for (let trial = 0; trial < 200; trial += 1) {
      const frames = 1 + Math.floor(random() * 120);
      const a = randomLabels(random, frames);
      const b = randomLabels(random, frames);
      const ra = toRuns(a);
      const rb = toRuns(b);
      expect(ra.starts[0]).toBe(0);
      for (let i = 1; i < ra.labels.length; i += 1) expect(ra.labels[i]).not.toBe(ra.labels[i - 1]);
      expect(a.map((_, f) => labelAt(ra, frames, f, 99))).toEqual(a);
      expect(labelAt(ra, frames, frames, 99)).toBe(99);
      expect(labelAt(ra, frames, -1, 99)).toBe(99);
      for (const from of [-1, 0, Math.floor(frames / 2), frames - 1]) {
        let expected = -1;
        for (let f = Math.max(0, from + 1); f < frames; f += 1) {
          if ((a[f] as number) >= 0 && (b[f] as number) >= 0 && a[f] !== b[f]) {
            expected = f;
            break;
          }
        }
        expect({ trial, from, next: nextDisagreement(ra, rb, frames, from) }).toEqual({ trial, from, next: expected });
      }
    }
  });

  it('of an empty track are empty', () => {
    expect(toRuns([])).toEqual({ starts: [], labels: [] });
    expect(nextDisagreement(toRuns([]), toRuns([]), 0, -1)).toBe(-1);
  });
});

describe('parseRange', () => {
  const size = 1000;
  it.each([
    [undefined, { kind: 'whole' }],
    ['bytes=0-99', { kind: 'partial', start: 0, end: 99 }],
    ['bytes=500-', { kind: 'partial', start: 500, end: 999 }],
    ['bytes=900-5000', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-100', { kind: 'partial', start: 900, end: 999 }],
    ['bytes=-5000', { kind: 'partial', start: 0, end: 999 }],
    ['bytes=1000-', { kind: 'unsatisfiable' }],
    ['bytes=-0', { kind: 'unsatisfiable' }],
    ['bytes=0-1,5-9', { kind: 'whole' }],
    ['items=0-9', { kind: 'whole' }],
    ['bytes=9-0', { kind: 'whole' }],
    ['bytes=-', { kind: 'whole' }],
    ['garbage', { kind: 'whole' }],
  ])('%s', (header, answer) => {
    expect(parseRange(header, size)).toEqual(answer);
  });
});
