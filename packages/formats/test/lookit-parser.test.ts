// Lookit coding files → per-frame labels, with labels derived by hand from iCatcher+'s rules
// (icatcher-plus.md §3.2) for small files covering unsorted rows, exclusion regions, trial ends,
// floor(ms · fps / 1000) and per-frame VFR timestamps.
import { frameLabels, parseLookitCoding, uncollapse } from '../src';

const HEADER = [
  'Offset: 0, Movie: MoviePathHere, DataFile: (null)',
  'Tracks: left, right, away, peek, fuss, talk, distract, end, outofframe, point, over_shoulder, sitting_in_lap, sitting_alone, other_posture',
  'Time,Duration,TrackName,comment',
  '',
].join('\n');

const coding = (...rows: string[]): string => `${HEADER}\n${rows.join('\n')}\n`;

/** Frames [from, to) with `label`, as a flat list. */
const run = (label: number, from: number, to: number): number[] => Array.from({ length: to - from }, () => label);

// Rows out of time order, a talk row with free text, an out-of-frame region that starts inside an
// 'away' look and ends after a 'left' onset inside it, two trials.
const EXAMPLE = coding(
  '500,0,right,(null)',
  '0,0,left,(null)',
  '1000,0,end,(null)',
  '2000,0,end,(null)',
  '1400,300,outofframe,(null)',
  '1200,0,away,(null)',
  '1550,0,left,(null)',
  "900,0,talk,you're watching.",
);

describe('Lookit coding at a constant frame rate', () => {
  const parsed = parseLookitCoding(EXAMPLE, { fps: 30 }, 'example.txt');

  it('keeps change points in ms order, with the exclusion region inserted, then converts by floor', () => {
    // ms: 0 L, 500 R, 1200 A, [1400 A invalid], 1550 L (inside → invalid), [1700 L valid again]
    expect(parsed.changes).toEqual([
      { at: 0, valid: true, gaze: 'left' },
      { at: 15, valid: true, gaze: 'right' },
      { at: 36, valid: true, gaze: 'away' },
      { at: 42, valid: false, gaze: 'away' },
      { at: 46, valid: false, gaze: 'left' }, // 1550 · 30 / 1000 = 46.5
      { at: 51, valid: true, gaze: 'left' },
    ]);
    expect(parsed.start).toBe(0);
    // trial ends: floor((1000 + 1) · 30 / 1000) = 30, floor(2001 · 0.03) = 60
    expect(parsed.trials).toEqual([
      [0, 30],
      [30, 60],
    ]);
    expect(parsed.end).toBe(60);
  });

  it('labels each frame as preprocessing does (−2 invalid, nothing after the last trial end)', () => {
    const labels = Array.from(frameLabels(parsed, Array.from({ length: 70 }, (_, f) => f)));
    expect(labels).toEqual([...run(1, 0, 15), ...run(2, 15, 36), ...run(0, 36, 42), ...run(-2, 42, 51), ...run(1, 51, 60), ...run(-2, 60, 70)]);
  });

  it('uncollapses as iCatcher+ evaluation does (−3 invalid, up to the coding end)', () => {
    expect(Array.from(uncollapse(parsed))).toEqual([...run(1, 0, 15), ...run(2, 15, 36), ...run(0, 36, 42), ...run(-3, 42, 51), ...run(1, 51, 60)]);
  });

  it('floors ms · fps / 1000 at a fractional frame rate (29.97)', () => {
    const c = parseLookitCoding(coding('1000,0,left,(null)', '1034,0,right,(null)', '2000,0,end,(null)'), { fps: 30000 / 1001 });
    // 1000 · 29.97 / 1000 = 29.97 → 29; 1034 → 30.99 → 30; end 2001 → 59.97 → 59
    expect(c.changes.map((x) => x.at)).toEqual([29, 30]);
    expect(c.end).toBe(59);
    const labels = Array.from(frameLabels(c, Array.from({ length: 61 }, (_, f) => f)));
    expect(labels).toEqual([...run(-2, 0, 29), 1, ...run(2, 30, 59), -2, -2]);
  });

  it('handles an exclusion region before the first look: coding starts at the look, invalid until the region ends', () => {
    const c = parseLookitCoding(coding('100,0,left,(null)', '0,300,preview,(null)', '1000,0,end,(null)'), { fps: 30 });
    expect(c.changes).toEqual([
      { at: 3, valid: false, gaze: 'left' },
      { at: 9, valid: true, gaze: 'left' },
    ]);
    expect(Array.from(frameLabels(c, Array.from({ length: 32 }, (_, f) => f)))).toEqual([...run(-2, 0, 9), ...run(1, 9, 30), -2, -2]);
  });

  it('merges overlapping exclusion regions and keeps rows that repeat a class', () => {
    const c = parseLookitCoding(
      coding('0,0,right,(null)', '200,0,right,(null)', '300,200,instructions,(null)', '400,300,outofframe,(null)', '1000,0,end,(null)'),
      { fps: 10 },
    );
    // regions [300, 500] and [400, 700] merge into [300, 700]
    expect(c.changes).toEqual([
      { at: 0, valid: true, gaze: 'right' },
      { at: 2, valid: true, gaze: 'right' },
      { at: 3, valid: false, gaze: 'right' },
      { at: 7, valid: true, gaze: 'right' },
    ]);
    expect(Array.from(frameLabels(c, Array.from({ length: 11 }, (_, f) => f)))).toEqual([2, 2, 2, -2, -2, -2, -2, 2, 2, 2, -2]);
  });

  it('makes a file without looks one invalid entry at frame 0', () => {
    const c = parseLookitCoding(coding('100,0,talk,(null)', '500,0,end,(null)'), { fps: 30 });
    expect(c.changes).toEqual([{ at: 0, valid: false, gaze: 'away' }]);
    expect(Array.from(frameLabels(c, [0, 1, 20]))).toEqual([-2, -2, -2]);
  });
});

describe('Lookit coding against per-frame timestamps (VFR)', () => {
  const parsed = parseLookitCoding(EXAMPLE, 'ms', 'example.txt');

  it('keeps every time in ms; the trial end is Time + 1 ms', () => {
    expect(parsed.unit).toBe('ms');
    expect(parsed.changes.map((c) => [c.at, c.valid])).toEqual([
      [0, true],
      [500, true],
      [1200, true],
      [1400, false],
      [1550, false],
      [1700, true],
    ]);
    expect(parsed.trials).toEqual([
      [0, 1001],
      [1001, 2001],
    ]);
  });

  it('labels frames by their timestamps', () => {
    const times = [0, 400, 499.9, 500, 999, 1000.5, 1001, 1200, 1399.9, 1400, 1699.9, 1700, 2000, 2000.9, 2001];
    const expected = [1, 1, 1, 2, 2, 2, 2, 0, 0, -2, -2, 1, 1, 1, -2];
    expect(Array.from(frameLabels(parsed, times))).toEqual(expected);
  });
});

describe('malformed Lookit codings are errors naming the file and line', () => {
  it.each([
    ['a codingactive row', coding('0,0,left,(null)', '0,5000,codingactive,(null)', '1000,0,end,(null)'), /bad\.txt:6: 'codingactive' rows are not supported/],
    ['two classes at one time', coding('0,0,left,(null)', '500,0,right,(null)', '500,0,away,(null)', '1000,0,end,(null)'), /bad\.txt:7: two different gaze classes \('right', 'away'\) at 500 ms/],
    ['no trial end', coding('0,0,left,(null)', '500,0,right,(null)'), /bad\.txt: no 'end' row/],
    ['a time that is not an integer', coding('0,0,left,(null)', 'soon,0,right,(null)', '1000,0,end,(null)'), /bad\.txt:6: Time 'soon' is not an integer number of ms/],
    ['a row with too few fields', coding('0,0,left,(null)', '500;right', '1000,0,end,(null)'), /bad\.txt:6: expected 'Time,Duration,TrackName/],
    ['a region without a duration', coding('0,0,left,(null)', '100,x,outofframe,(null)', '1000,0,end,(null)'), /bad\.txt:6: Duration 'x' of 'outofframe'/],
    // What iCatcher+'s numpy.genfromtxt or parser fails on:
    ['a comment with a comma (5 fields after 4)', coding('0,0,left,(null)', "900,0,talk,you're, watching", '1000,0,end,(null)'), /bad\.txt:6: 5 fields where the first row has 4 \(a comma in a comment\?\)/],
    ['a single data row', coding('1000,0,end,(null)'), /bad\.txt: a single data row/],
    ['no data rows at all', coding(), /bad\.txt: no data rows after the 3 header lines/],
    ['bare CR line breaks', coding('0,0,left,(null)', '1000,0,end,(null)').replace(/\n/g, '\r'), /bad\.txt: lines end with a bare CR/],
    ['a look before the video start', coding('-100,0,left,(null)', '1000,0,end,(null)'), /bad\.txt:5: 'left' at -100 ms, before the video start/],
    // What iCatcher+ would read as garbage:
    ['a track padded with spaces', coding('0, 0, left, (null)', '1000, 0, end, (null)'), /bad\.txt:5: TrackName ' left' has spaces around it/],
    ['a trial end before the video start', coding('0,0,left,(null)', '-40,0,end,(null)', '1000,0,end,(null)'), /bad\.txt:6: 'end' at -40 ms, before the video start/],
    ['a negative exclusion duration', coding('0,0,left,(null)', '300,-100,outofframe,(null)', '1000,0,end,(null)'), /bad\.txt:6: Duration -100 of 'outofframe' is negative/],
    ['a time beyond a day', coding('0,0,left,(null)', '999999999999,0,end,(null)'), /bad\.txt:6: Time 999999999999 ms is more than 24 hours/],
  ])('%s', (_, text, message) => {
    expect(() => parseLookitCoding(text, { fps: 30 }, 'bad.txt')).toThrow(message);
  });
});

describe("what real Lookit exports contain, read as iCatcher+'s LookitParser reads it", () => {
  it('reads CRLF line breaks, a byte-order mark, (null) and # comments and unknown tracks like plain LF files', () => {
    const plain = parseLookitCoding(EXAMPLE, { fps: 30 });
    const windows = `\uFEFF${EXAMPLE.replace(/\n/g, '\r\n').replace('1000,0,end,(null)', '1000,0,end,(null) # first trial')}`;
    expect(parseLookitCoding(windows, { fps: 30 })).toEqual(plain);
    expect(parseLookitCoding(`${EXAMPLE}1800,0,sitting_in_lap,(null)\n1900,0,peek,(null)\n`, { fps: 30 })).toEqual(plain);
  });

  it("keeps a reversed first trial when the first 'end' precedes the first look (the real 16500 ms end, 16534 ms look)", () => {
    // Sorted as text, as the export is: '16500,0,end' after '161033,…', '16534,0,right' after it.
    const c = parseLookitCoding(coding('0,16500,preview,(null)', '160100,0,end,(null)', '161033,0,right,(null)', '16500,0,end,(null)', '16534,0,right,(null)', '17000,0,left,(null)'), { fps: 30 });
    expect(c.start).toBe(496); // 16534 · 0.03 = 496.02
    expect(c.trials).toEqual([
      [496, 495], // floor(16501 · 0.03) = 495: covers no frame, as numpy's coding[496:495]
      [495, 4803],
    ]);
    expect(c.end).toBe(4803);
    const labels = uncollapse(c);
    expect(Array.from(labels.slice(494, 498))).toEqual([-3, -3, 2, 2]);
    // the labels run on past the coding end, up to the last change point (161033 ms = frame 4830), as in iCatcher+
    expect(labels.length).toBe(4830);
  });

  it('gives two ends in one frame a zero-length trial, and repeats of one class at one time are fine', () => {
    const c = parseLookitCoding(coding('0,0,left,(null)', '0,0,left,(null)', '1000,0,end,(null)', '1010,0,end,(null)', '2000,0,end,(null)'), { fps: 30 });
    expect(c.trials).toEqual([
      [0, 30],
      [30, 30],
      [30, 60],
    ]);
  });
});
