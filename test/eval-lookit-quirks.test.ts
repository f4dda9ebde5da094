// `gazecoder eval` on Lookit exports with every quirk real ones have, against a transcription of
// iCatcher+'s own reading and evaluation of the same files (packages/evaluate/test/python/
// metrics_reference.py `files`: LookitParser with numpy.genfromtxt, CompressedParser,
// compare_coding_files). One video reproduces the structure of the published test coding that
// stopped gazecoder ("[496, 495) is not a frame interval"): lines sorted as text, a preview region
// up to an `end` at 16500 ms, the first look at 16534 ms, looks after the last `end`. Files that
// iCatcher+ fails on, or would read as garbage, are skipped with the file and the reason.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { rng } from '@gazecoder/formats';

import { writeNpz, writeText } from './helpers/coding-files';
import { gazecoder, tempDir } from './helpers/run';

interface Row {
  time: number;
  duration?: number;
  track: string;
  comment?: string;
}

interface FileStyle {
  /** 'text': sorted as strings, as the real export is; 'shuffled': any order */
  order: 'text' | 'shuffled';
  eol: '\n' | '\r\n';
  bom?: boolean;
}

const HEADER = [
  'Offset: 0, Movie: MoviePathHere, DataFile: (null)',
  'Tracks: left, right, away, end, peek, talk, point, fuss, instructions, preview, outofframe, over_shoulder, sitting_in_lap, sitting_alone, other_posture, no_posture',
  'Time,Duration,TrackName,comment',
  '',
];

function lookitFile(rows: readonly Row[], style: FileStyle, random: () => number): string {
  const lines = rows.map((r) => `${r.time},${r.duration ?? 0},${r.track},${r.comment ?? '(null)'}`);
  if (style.order === 'text') lines.sort();
  else for (let i = lines.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
  }
  return `${style.bom ? '\uFEFF' : ''}${[...HEADER, ...lines].join(style.eol)}${style.eol}`;
}

const GAZE = ['away', 'left', 'right', 'left', 'right'] as const;

/**
 * A session as Lookit coders export it: a preview region up to the first `end`, the first look a
 * frame later, trials of 5–20 s with looks every 0.2–3 s (the `end` of each next to a look),
 * out-of-frame regions (some overlapping, some across a trial end, some holding a look), a
 * repeated row, talk and posture rows, and looks after the last `end`.
 */
function session(random: () => number, trials: number, previewMs = 16500): Row[] {
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo));
  const rows: Row[] = [
    { time: 0, duration: previewMs, track: 'preview' },
    { time: previewMs, track: 'end' },
    { time: 0, track: 'sitting_in_lap' },
    { time: previewMs + 500, duration: 800, track: 'talk', comment: "you're watching." },
  ];
  let t = previewMs + 34;
  let previous = '';
  const look = (time: number) => {
    let track: string = GAZE[int(0, GAZE.length)] as string;
    if (track === previous) track = previous === 'away' ? 'left' : 'away';
    rows.push({ time, track });
    previous = track;
  };
  for (let k = 0; k < trials; k += 1) {
    const end = t + int(5000, 20000);
    while (t < end - 200) {
      look(t);
      if (random() < 0.15) rows.push({ time: t + int(50, 150), duration: int(300, 1500), track: 'outofframe' });
      if (random() < 0.05) rows.push({ time: t + int(10, 100), duration: int(100, 900), track: 'talk', comment: "you're watching." });
      t += int(200, 3000);
    }
    if (k === 1) rows.push({ time: end - 300, duration: 800, track: 'outofframe' }, { time: end - 100, duration: 900, track: 'outofframe' }); // overlapping, across the end
    rows.push({ time: end, track: 'end' });
    t = end + 34;
  }
  const firstLook = rows.find((r) => GAZE.includes(r.track as (typeof GAZE)[number])) as Row;
  rows.push({ ...firstLook }); // the same look twice
  for (let i = 0; i < 3; i += 1) {
    look(t);
    t += int(400, 2000);
  }
  return rows;
}

/** Human 2: the same session, its looks moved by up to ±60 ms (order kept) and a few coded otherwise. */
function secondCoder(random: () => number, rows: readonly Row[]): Row[] {
  return rows.map((r) => {
    if (r.track !== 'left' && r.track !== 'right' && r.track !== 'away') return r;
    const track = random() < 0.08 ? (r.track === 'left' ? 'right' : 'left') : r.track;
    return { ...r, time: Math.max(0, r.time + Math.floor(random() * 60) - 30), track };
  });
}

/** A machine coding of `rows` at 30 fps, rendered independently of any parser: noisy, with no-face stretches. */
function machineLabels(random: () => number, rows: readonly Row[], frames: number): number[] {
  const looks = rows.filter((r) => r.track === 'left' || r.track === 'right' || r.track === 'away').sort((a, b) => a.time - b.time);
  const id = { away: 0, left: 1, right: 2 } as Record<string, number>;
  const out: number[] = [];
  let i = -1;
  for (let f = 0; f < frames; f += 1) {
    while (i + 1 < looks.length && (looks[i + 1] as Row).time <= (f * 1000) / 30) i += 1;
    const truth = i < 0 ? -2 : (id[(looks[i] as Row).track] as number);
    const r = random();
    out.push(r < 0.06 ? -2 : r < 0.08 ? -1 : r < 0.18 ? Math.floor(random() * 3) : truth);
  }
  return out;
}

const lastEndFrame = (rows: readonly Row[]) => Math.floor(((Math.max(...rows.filter((r) => r.track === 'end').map((r) => r.time)) + 1) * 30) / 1000);

interface Case {
  id: string;
  human1: string;
  human2?: string;
  machine: number[];
  /** iCatcher+ stops on it ('crash'), reads garbage from it ('garbage'), or evaluates it */
  expect: 'ok' | 'crash' | 'garbage';
  /** the reason gazecoder must give */
  reason?: RegExp;
}

function buildCases(): Case[] {
  const random = rng(1414);
  const make = (id: string, rows: Row[], style: FileStyle, machineFrames: number, extra: Partial<Case> = {}): Case => {
    const human2 = secondCoder(random, rows);
    return { id, human1: lookitFile(rows, style, random), human2: lookitFile(human2, style, random), machine: machineLabels(random, rows, machineFrames), expect: 'ok', ...extra };
  };
  const real = session(random, 10);
  const cases: Case[] = [
    // The published file's structure: lines sorted as text, preview to 16500 ms, end at 16500, first look at 16534.
    make('66199494-real-structure', real, { order: 'text', eol: '\n' }, lastEndFrame(real) + 40),
  ];
  const crlf = session(random, 7, 9000);
  cases.push(make('crlf-bom-comments', crlf, { order: 'shuffled', eol: '\r\n', bom: true }, lastEndFrame(crlf) + 12));
  // Trials past the end of the machine's video: the machine reads as −3 there.
  const long = session(random, 8, 3000);
  cases.push(make('times-past-the-video', long, { order: 'shuffled', eol: '\n' }, lastEndFrame(long) - 400));
  // Two ends at one time (a zero-length trial) and no preview: an end at 0 ms before the first look at 34 ms.
  const zero = session(random, 6, 0).filter((r) => r.track !== 'preview');
  const firstEnd = zero.find((r) => r.track === 'end' && r.time > 0) as Row;
  zero.push({ ...firstEnd });
  cases.push(make('zero-length-trial', zero, { order: 'text', eol: '\n' }, lastEndFrame(zero) + 9));
  // A single trial: ICC needs 5 (iCatcher+ itself trips over one trial in its bookkeeping; see the transcription).
  const single = session(random, 1, 2000).filter((r) => !(r.track === 'end' && r.time === 2000));
  cases.push(make('one-trial', single, { order: 'shuffled', eol: '\n' }, lastEndFrame(single) + 20));

  // What iCatcher+ stops on:
  const bad = (id: string, text: string, reason: RegExp, expect: 'crash' | 'garbage' = 'crash'): Case => ({ id, human1: text, machine: machineLabels(random, real, lastEndFrame(real)), expect, reason });
  const realText = lookitFile(real, { order: 'text', eol: '\n' }, random);
  cases.push(
    bad('no-end', lookitFile(real.filter((r) => r.track !== 'end'), { order: 'text', eol: '\n' }, random), /no-end\.txt: no 'end' row/),
    bad('comma-in-comment', realText.replace("you're watching.", "you're watching, baby"), /comma-in-comment\.txt:\d+: 5 fields where the first row has 4/),
    bad('two-classes-at-once', lookitFile([...real, { time: 20000, track: 'left' }, { time: 20000, track: 'right' }], { order: 'text', eol: '\n' }, random), /two-classes-at-once\.txt:\d+: two different gaze classes \('\w+', '\w+'\) at 20000 ms/),
    bad('codingactive', lookitFile([...real, { time: 0, duration: 90000, track: 'codingactive' }], { order: 'text', eol: '\n' }, random), /codingactive\.txt:\d+: 'codingactive' rows are not supported/),
    bad('only-an-end', `${HEADER.join('\n')}\n16500,0,end,(null)\n`, /only-an-end\.txt: a single data row/),
    // What it reads as garbage (every gaze row ignored):
    bad('spaces-before-looks', realText.replace(/,(left|right|away),/g, ', $1,'), /spaces-before-looks\.txt:\d+: TrackName ' \w+' has spaces around it/, 'garbage'),
  );
  return cases;
}

interface Interval {
  [key: string]: unknown;
}
interface Comparison {
  session: Interval;
  trials: Interval[];
  iccLookingTime: number | null;
  iccProportionRight: number | null;
}
type Transcribed = { error: string } | { human1: { start: number; end: number; trials: number[][]; labels: number[] }; humanMachine: Comparison; humanHuman?: Comparison };

interface EvalJson {
  videos: Array<{ id: string; humanMachine: Comparison; humanHuman: Comparison | null }>;
  skipped: Array<{ id: string; files: Record<string, string | null>; reason: string }>;
  summary: Record<'humanMachine' | 'humanHuman', Record<'percentAgreement' | 'cohensKappa' | 'iccLookingTime' | 'iccProportionRight', { mean: number | null; n: number }> & { videos: number }>;
}

const FIELDS = ['mutuallyValidFrames', 'percentAgreement', 'cohensKappa', 'confusion', 'onOffConfusion', 'transitions', 'lookingTime', 'proportionRight'];
const round = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1e12) / 1e12 : v)));
const pick = (i: Interval) => round(Object.fromEntries(FIELDS.map((f) => [f, i[f]])));

function expectSame(ours: Comparison, theirs: Comparison, context: string): void {
  expect({ context, session: pick(ours.session) }).toEqual({ context, session: pick(theirs.session) });
  expect({ context, trials: ours.trials.map(pick) }).toEqual({ context, trials: theirs.trials.map(pick) });
  expect({ context, icc: round([ours.iccLookingTime, ours.iccProportionRight]) }).toEqual({ context, icc: round([theirs.iccLookingTime, theirs.iccProportionRight]) });
}

describe('gazecoder eval on real-world Lookit exports', () => {
  const tmp = tempDir('eval-quirks');
  const cases = buildCases();
  const dirs = { human1: join(tmp.path, 'human1'), human2: join(tmp.path, 'human2'), machine: join(tmp.path, 'machine') };
  for (const c of cases) {
    writeText(join(dirs.human1, `${c.id}.txt`), c.human1);
    if (c.human2) writeText(join(dirs.human2, `${c.id}.txt`), c.human2);
    writeNpz(join(dirs.machine, `${c.id}.npz`), c.machine, c.machine.map((l) => (l < 0 ? -1 : 0.9)));
  }
  // An unreadable machine file: not a zip at all.
  writeText(join(dirs.human1, 'unreadable-machine.txt'), cases[0]?.human1 as string);
  writeFileSync(join(dirs.machine, 'unreadable-machine.npz'), Buffer.from('PK\u0003\u0004 this is not really a zip archive'));
  afterAll(() => tmp.cleanup());

  const transcription = (): Transcribed[] => {
    const files = [...cases.map((c) => c.id), 'unreadable-machine'].map((id) => ({
      human1: join(dirs.human1, `${id}.txt`),
      human2: cases.find((c) => c.id === id)?.human2 ? join(dirs.human2, `${id}.txt`) : null,
      machine: join(dirs.machine, `${id}.npz`),
    }));
    const script = join(__dirname, '..', 'packages', 'evaluate', 'test', 'python', 'metrics_reference.py');
    const run = spawnSync('/usr/bin/python3', [script], { input: JSON.stringify({ files }), encoding: 'utf8', maxBuffer: 256 << 20 });
    if (run.status !== 0) throw new Error(run.stderr);
    return (JSON.parse(run.stdout) as { files: Transcribed[] }).files;
  };

  it('builds the fixture the published coding has: lines sorted as text, an end at 16500 ms, the first look at 16534 ms', () => {
    const lines = (cases[0] as Case).human1.split('\n');
    const end = lines.indexOf('16500,0,end,(null)');
    expect(lines.slice(HEADER.length, end).some((l) => Number(l.split(',')[0]) > 100000)).toBe(true);
    expect(lines.findIndex((l) => /^16534,0,(left|right|away),/.test(l))).toBeGreaterThan(end);
    expect(lines).toContain('0,16500,preview,(null)');
  });

  it("gives every readable video iCatcher+'s numbers, and skips the files iCatcher+ cannot read, naming file and reason", () => {
    const json = join(tmp.path, 'eval.json');
    const run = gazecoder('eval', '--human1', dirs.human1, '--human2', dirs.human2, '--machine', dirs.machine, '--json', json);
    expect(run.stderr).not.toMatch(/^gazecoder: /m);
    expect(run.code).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8')) as EvalJson;
    const reference = transcription();
    const all = [...cases.map((c) => c.id), 'unreadable-machine'];

    // The transcription agrees on which files iCatcher+ stops on.
    cases.forEach((c, i) => expect([c.id, 'error' in (reference[i] as Transcribed)]).toEqual([c.id, c.expect === 'crash']));
    expect('error' in (reference[all.length - 1] as Transcribed)).toBe(true);
    // The real structure's first trial is reversed in iCatcher+ too.
    const first = reference[0] as Extract<Transcribed, { human1: unknown }>;
    expect(first.human1.trials[0]).toEqual([496, 495]);

    const good = cases.filter((c) => c.expect === 'ok');
    expect(result.videos.map((v) => v.id).sort()).toEqual(good.map((c) => c.id).sort());
    for (const video of result.videos) {
      const theirs = reference[all.indexOf(video.id)] as Extract<Transcribed, { human1: unknown }>;
      expectSame(video.humanMachine, theirs.humanMachine, `${video.id} human-machine`);
      expectSame(video.humanHuman as Comparison, theirs.humanHuman as Comparison, `${video.id} human-human`);
      expect([video.id, video.humanMachine.trials.length]).toEqual([video.id, theirs.human1.trials.length]);
    }
    // The reversed trial covers no frame: looking time 0 for both, agreement NaN, and it counts in ICC LT.
    const realVideo = result.videos.find((v) => v.id === '66199494-real-structure') as EvalJson['videos'][number];
    expect(realVideo.humanMachine.trials[0]).toMatchObject({ start: 496, end: 495, mutuallyValidFrames: 0, lookingTime: [0, 0], percentAgreement: null });
    expect(realVideo.humanMachine.iccLookingTime).not.toBeNull();
    expect(result.videos.find((v) => v.id === 'one-trial')?.humanMachine.iccLookingTime).toBeNull();

    // Skipped: every file iCatcher+ stops on or reads as garbage, with the file and the reason, in --json and the text output.
    const skipped = new Map(result.skipped.map((s) => [s.id, s]));
    expect([...skipped.keys()].sort()).toEqual([...cases.filter((c) => c.expect !== 'ok').map((c) => c.id), 'unreadable-machine'].sort());
    for (const c of cases.filter((x) => x.expect !== 'ok')) {
      expect(skipped.get(c.id)?.reason).toMatch(c.reason as RegExp);
      expect(run.stdout).toMatch(new RegExp(`  ${c.id}: .*${c.id}\\.txt`));
    }
    expect(skipped.get('unreadable-machine')?.reason).toContain(`${join(dirs.machine, 'unreadable-machine.npz')}: not a zip archive`);
    expect(run.stdout).toContain(`skipped ${result.skipped.length} video(s) whose files cannot be evaluated`);
    expect(result.summary.humanMachine.videos).toBe(good.length);
  });

  it('--strict stops at the first file that cannot be evaluated, writing nothing', () => {
    const json = join(tmp.path, 'strict.json');
    const run = gazecoder('eval', '--human1', dirs.human1, '--machine', dirs.machine, '--strict', '--json', json);
    expect(run.code).toBe(1);
    // Videos go in id order: 'codingactive' is the first bad one.
    expect(run.stderr).toMatch(/^gazecoder: .*codingactive\.txt:\d+: 'codingactive' rows are not supported/m);
    expect(() => readFileSync(json)).toThrow();
  });
});
