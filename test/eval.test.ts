// `gazecoder eval` end to end: coding folders in every format gazecoder reads (Lookit text and VCX
// for humans; iCatcher+ raw_output text, compressed .npz and ui folders for the machine), matched by
// video id, against values computed in Python from the same per-frame labels with scikit-learn, numpy
// and pandas (packages/evaluate/test/python/metrics_reference.py, a transcription of iCatcher+'s
// compare_coding_files).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { rng } from '@gazecoder/formats';

import { lookitText, rawOutputText, uiLabelsText, vcxText, writeNpz, writeText } from './helpers/coding-files';
import { gazecoder, tempDir } from './helpers/run';

interface HumanCoding {
  labels: number[];
  trials: Array<[number, number]>;
}

/**
 * Human 1: uncoded until `start`, then looks in runs, `trialCount` trials; in Lookit files a few
 * out-of-frame stretches inside trials, in VCX files a short uncoded gap after every trial end.
 */
function humanCoding(random: () => number, trialCount: number, format: 'lookit' | 'vcx'): HumanCoding {
  const start = 5 + Math.floor(random() * 20);
  const labels: number[] = new Array<number>(start).fill(-3);
  const trials: Array<[number, number]> = [];
  for (let t = 0; t < trialCount; t += 1) {
    const trialStart = labels.length;
    if (format === 'vcx' && t > 0) for (let g = 0; g < 4; g += 1) labels.push(-3);
    const length = 60 + Math.floor(random() * 90);
    while (labels.length < trialStart + length) {
      const r = random();
      const label = format === 'lookit' && r < 0.06 && labels[labels.length - 1] !== -3 ? -3 : r < 0.3 ? 0 : r < 0.65 ? 1 : 2;
      const run = 4 + Math.floor(random() * 30);
      for (let i = 0; i < run; i += 1) labels.push(label);
    }
    // A trial never ends inside an out-of-frame stretch (the next look would reopen it).
    while (labels[labels.length - 1] === -3) labels.pop();
    // Every other Lookit trial has an out-of-frame stretch for sure.
    if (format === 'lookit' && t % 2 === 1) labels.splice(trialStart + 20, 0, ...new Array<number>(6).fill(-3));
    trials.push([t === 0 ? start : trialStart, labels.length]);
  }
  return { labels, trials };
}

/** `labels` with each frame changed with probability `noise`. */
function perturb(random: () => number, labels: readonly number[], noise: number, choices: readonly number[]): number[] {
  return labels.map((l) => (l >= 0 && random() < noise ? (choices[Math.floor(random() * choices.length)] as number) : l));
}

interface Video {
  id: string;
  human1: HumanCoding;
  human2?: number[];
  machine: number[];
}

const TRIALS = 7;

function buildVideos(): Video[] {
  const random = rng(606);
  const video = (id: string, format: 'lookit' | 'vcx', withHuman2: boolean, machineLength: (end: number) => number): Video => {
    const human1 = humanCoding(random, TRIALS, format);
    const end = human1.labels.length;
    // Human 2 changes a few frames; the machine more, with no-face and no-baby-face stretches.
    const human2 = withHuman2 ? perturb(random, human1.labels, 0.05, [0, 1, 2]) : undefined;
    const machine = perturb(random, human1.labels, 0.15, [0, 1, 2, -2, -1]).map((l) => (l === -3 ? 0 : l));
    while (machine.length < machineLength(end)) machine.push(random() < 0.5 ? 1 : -2);
    return { id, human1, ...(human2 ? { human2 } : {}), machine: machine.slice(0, machineLength(end)) };
  };
  return [
    video('3f2a9c1e-lookit', 'lookit', true, (end) => end + 30),
    video('v2', 'lookit', true, (end) => end + 9),
    video('v3', 'vcx', true, (end) => end + 12),
    video('v4', 'lookit', true, (end) => end - 40), // the machine stops early: padded with −3
    video('v5', 'lookit', false, (end) => end + 20),
  ];
}

/** Writes the three folders; returns them. */
function writeFolders(root: string, videos: readonly Video[]): { human1: string; human2: string; machine: string } {
  const dirs = { human1: join(root, 'human1'), human2: join(root, 'human2'), machine: join(root, 'machine') };
  const confidence = (labels: readonly number[]) => labels.map((l, f) => (l < 0 ? -1 : 0.5 + ((f * 7) % 50) / 100));
  for (const v of videos) {
    const ends = v.human1.trials.map(([, e]) => e);
    if (v.id === 'v3') {
      writeText(join(dirs.human1, 'v3.vcx'), vcxText(v.human1.labels, ends));
      writeText(join(dirs.human2, 'v3.vcx'), vcxText(v.human2 as number[], ends));
      writeText(join(dirs.machine, 'v3', 'labels.txt'), uiLabelsText(v.machine, confidence(v.machine)));
      continue;
    }
    // Lookit file names on the first video: the id is matched across differently named files.
    const lookitName = v.id.includes('-lookit');
    const humanName = lookitName ? `coding_c_x-${v.id}_final.txt` : `${v.id}.txt`;
    writeText(join(dirs.human1, humanName), lookitText(v.human1.labels, ends));
    if (v.human2) writeText(join(dirs.human2, humanName), lookitText(v.human2, ends));
    if (lookitName || v.id === 'v4') writeNpz(join(dirs.machine, lookitName ? `videoStream_study1_x-${v.id}_1234.npz` : `${v.id}.npz`), v.machine, confidence(v.machine));
    else writeText(join(dirs.machine, `${v.id}.txt`), rawOutputText(v.machine, confidence(v.machine)));
  }
  writeText(join(dirs.machine, 'orphan.txt'), rawOutputText([0, 1, 1, 2, 2, 2, 1, 1, 0], new Array<number>(9).fill(0.9)));
  writeText(join(dirs.human1, 'README.md'), 'not a coding file\n');
  return dirs;
}

type Interval = Record<string, unknown>;
interface VideoReference {
  session: Interval;
  trials: Interval[];
  iccLookingTime: number | null;
  iccProportionRight: number | null;
}

/** The Python reference for each video's comparisons (machine edges marked −3 as iCatcher+ does). */
function pythonReference(videos: readonly Video[]): { humanMachine: VideoReference[]; humanHuman: VideoReference[]; means: Array<number | null> } {
  const reference = (v: Video) => ({ reference: v.human1.labels, referenceEnd: v.human1.labels.length, trials: v.human1.trials });
  const machine = (v: Video) => v.machine.map((l, f) => (f < 4 || f >= v.machine.length - 4 ? -3 : l));
  const withHuman2 = videos.filter((v) => v.human2);
  const codings = [
    ...videos.map((v) => ({ ...reference(v), other: machine(v), otherEnd: v.machine.length - 4 })),
    ...withHuman2.map((v) => ({ ...reference(v), other: v.human2, otherEnd: v.human1.labels.length })),
  ];
  const script = join(__dirname, '..', 'packages', 'evaluate', 'test', 'python', 'metrics_reference.py');
  const first = spawnSync('/usr/bin/python3', [script], { input: JSON.stringify({ codings }), encoding: 'utf8', maxBuffer: 64 << 20 });
  if (first.status !== 0) throw new Error(first.stderr);
  const all = (JSON.parse(first.stdout) as { codings: VideoReference[] }).codings;
  const humanMachine = all.slice(0, videos.length);
  const humanHuman = all.slice(videos.length);
  const keys = ['percentAgreement', 'cohensKappa'] as const;
  const means = [humanMachine, humanHuman].flatMap((list) => [
    ...keys.map((k) => list.map((c) => c.session[k] as number | null)),
    list.map((c) => c.iccLookingTime),
    list.map((c) => c.iccProportionRight),
  ]);
  const second = spawnSync('/usr/bin/python3', [script], { input: JSON.stringify({ means }), encoding: 'utf8' });
  if (second.status !== 0) throw new Error(second.stderr);
  return { humanMachine, humanHuman, means: (JSON.parse(second.stdout) as { means: Array<number | null> }).means };
}

function close(actual: number | null, expected: number | null): boolean {
  if (expected === null) return actual === null;
  return actual !== null && Math.abs(actual - expected) <= 1e-12;
}

function expectSameComparison(ours: VideoReference, theirs: VideoReference, context: string): void {
  const fields = ['mutuallyValidFrames', 'percentAgreement', 'cohensKappa', 'confusion', 'onOffConfusion', 'transitions', 'lookingTime', 'proportionRight'];
  const pick = (i: Interval) => Object.fromEntries(fields.map((f) => [f, i[f]]));
  const round = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 1e12) / 1e12 : v)));
  expect({ context, session: round(pick(ours.session)) }).toEqual({ context, session: round(pick(theirs.session)) });
  expect({ context, trials: round(ours.trials.map(pick)) }).toEqual({ context, trials: round(theirs.trials.map(pick)) });
  expect([context, close(ours.iccLookingTime, theirs.iccLookingTime), close(ours.iccProportionRight, theirs.iccProportionRight)]).toEqual([context, true, true]);
}

interface Estimate {
  mean: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  n: number;
}
interface EvalJson {
  videos: Array<{ id: string; files: Record<string, string | null>; humanHuman: VideoReference | null; humanMachine: VideoReference }>;
  summary: Record<'humanHuman' | 'humanMachine', Record<'percentAgreement' | 'cohensKappa' | 'iccLookingTime' | 'iccProportionRight', Estimate> & { videos: number }>;
}

describe('gazecoder eval', () => {
  const tmp = tempDir('eval');
  const videos = buildVideos();
  const dirs = writeFolders(tmp.path, videos);
  afterAll(() => tmp.cleanup());

  it('builds fixtures that reach the rules: out-of-frame stretches, machine edges inside coded frames', () => {
    const inTrials = (v: Video) => v.human1.trials.some(([s, e]) => v.human1.labels.slice(s, e).includes(-3));
    expect(videos.filter((v) => v.id !== 'v3').every(inTrials)).toBe(true);
    const v4 = videos[3] as Video;
    expect(v4.human1.labels.slice(v4.machine.length - 4, v4.machine.length).some((l) => l >= 0)).toBe(true);
  });

  it('matches files by video id and agrees with the Python reference on every video and summary', () => {
    const json = join(tmp.path, 'eval.json');
    const report = join(tmp.path, 'eval.html');
    const run = gazecoder('eval', '--human1', dirs.human1, '--human2', dirs.human2, '--machine', dirs.machine, '--json', json, '--report', report);
    expect(run.stderr).toContain('1 video(s) of --machine left out, no match in the other folder(s): orphan');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/percent agreement\s+0\.\d{3} \[0\.\d{3}, 0\.\d{3}\]/);
    expect(run.stdout).toContain('human 1 - human 2 (4 videos)');
    expect(run.stdout).toContain('human 1 - machine (5 videos)');

    const result = JSON.parse(readFileSync(json, 'utf8')) as EvalJson;
    expect(result.videos.map((v) => v.id)).toEqual(['3f2a9c1e-lookit', 'v2', 'v3', 'v4', 'v5']);
    expect(result.videos[0]?.files.machine).toMatch(/videoStream_study1_x-3f2a9c1e-lookit_1234\.npz$/);
    expect(result.videos[2]?.files.machine).toMatch(/v3\/labels\.txt$/);
    expect(result.videos[4]?.humanHuman).toBeNull();

    const reference = pythonReference(videos);
    result.videos.forEach((v, i) => expectSameComparison(v.humanMachine, reference.humanMachine[i]!, `${v.id} human-machine`));
    result.videos.filter((v) => v.humanHuman).forEach((v, i) => expectSameComparison(v.humanHuman!, reference.humanHuman[i]!, `${v.id} human-human`));

    // The summaries: the plain mean over videos (NaN left out), inside its bootstrap interval.
    const keys = ['percentAgreement', 'cohensKappa', 'iccLookingTime', 'iccProportionRight'] as const;
    const estimates = (['humanMachine', 'humanHuman'] as const).flatMap((c) => keys.map((k) => result.summary[c][k]));
    estimates.forEach((e, i) => {
      expect(close(e.mean, reference.means[i] ?? null)).toBe(true);
      expect(e.ciLow!).toBeLessThanOrEqual(e.mean!);
      expect(e.ciHigh!).toBeGreaterThanOrEqual(e.mean!);
    });
    expect(result.summary.humanMachine.videos).toBe(5);
    expect(result.summary.humanHuman.videos).toBe(4);

    const html = readFileSync(report, 'utf8');
    expect(html).toContain('id="agreement"');
    expect(html).toContain('<th>3f2a9c1e-lookit</th>');
  });

  it('gives the same intervals for the same seed and other ones for another seed', () => {
    const summary = (seed: string) => {
      const out = join(tmp.path, `seed-${seed}.json`);
      expect(gazecoder('eval', '--human1', dirs.human1, '--machine', dirs.machine, '--seed', seed, '--json', out).code).toBe(0);
      return (JSON.parse(readFileSync(out, 'utf8')) as EvalJson).summary;
    };
    const a = summary('7');
    expect(summary('7')).toEqual(a);
    const b = summary('8');
    expect(b.humanMachine.percentAgreement.mean).toBe(a.humanMachine.percentAgreement.mean);
    expect(b.humanMachine.percentAgreement.ciLow).not.toBe(a.humanMachine.percentAgreement.ciLow);
    // without --human2 there is no human-human summary
    expect(a.humanHuman).toBeNull();
  });

  it('names the flag, the folder or the file when something is wrong', () => {
    const missing = join(tmp.path, 'nowhere');
    let run = gazecoder('eval', '--human1', missing, '--machine', dirs.machine);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`gazecoder: --human1: ${missing} is not a folder`);

    run = gazecoder('eval', '--human1', dirs.human1, '--machine', join(tmp.path, 'human1', 'README.md'));
    expect(run.stderr).toContain('--machine:');

    const empty = join(tmp.path, 'empty');
    writeText(join(empty, 'notes.md'), 'nothing\n');
    run = gazecoder('eval', '--human1', dirs.human1, '--machine', empty);
    expect(run.stderr).toContain(`--machine: no coding files (iCatcher+ .txt, .npz or ui folders with labels.txt) in ${empty}`);

    const other = join(tmp.path, 'other-machine');
    writeText(join(other, 'unrelated.txt'), rawOutputText([0, 1, 2, 1, 0, 1, 2, 2, 1], new Array<number>(9).fill(0.8)));
    run = gazecoder('eval', '--human1', dirs.human1, '--machine', other);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no video has both a human-1 coding (${dirs.human1}) and a machine coding (${other})`);
    expect(run.stderr).toContain('the machine has unrelated');

    const broken = join(tmp.path, 'broken-machine');
    writeText(join(broken, 'v2.txt'), '0, none, -1.00\n1, sideways, 0.50\n');
    run = gazecoder('eval', '--human1', dirs.human1, '--machine', broken);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${join(broken, 'v2.txt')}:2: unknown class 'sideways'`);

    const badHuman = join(tmp.path, 'bad-human');
    writeText(join(badHuman, 'v2.txt'), 'Offset: 0\nTracks: left\nTime,Duration,TrackName,comment\n\nsoon,0,left,(null)\n');
    run = gazecoder('eval', '--human1', badHuman, '--machine', dirs.machine);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${join(badHuman, 'v2.txt')}:5: Time 'soon' is not an integer number of ms`);
    expect(existsSync(join(badHuman, 'eval.json'))).toBe(false);
  });
});
