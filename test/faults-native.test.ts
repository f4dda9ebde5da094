// The native boundary under hostile input: a corpus of mutated checkpoints through Model.loadWeights
// and `gazecoder model --weights`, a bit-flipped tensor record refused by every command that loads
// weights (and loaded with --no-verify-crc), a fuzz of the JS API's and the raw addon's tensor and
// option arguments, and a second Ctrl-C during training. Each ends in a named error or a success:
// never a crash, a hang or a silent exit. The figures are printed (docs/reliability.md quotes them).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { Model } from '@gazecoder/torch';
import { readZipEntries, rng } from '@gazecoder/formats';
import { drawFace, identity, writeVideo } from '@gazecoder/synth';


import { mutateCheckpoint } from './helpers/checkpoint-corpus';
import { GAZECODER_BIN, gazecoder, python, tempDir } from './helpers/run';

const TINY = 'regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25';
/** Every CLI_SAMPLE-th corpus file also goes through the CLI (each run starts node and LibTorch, ~1 s). */
const CLI_SAMPLE = 4;
const FUZZ_CALLS = 3000;

const dir = tempDir('faults-native');
const file = (...parts: string[]) => join(dir.path, ...parts);
const dataset = file('dataset');
/** The real small checkpoint: a TINY GazeCodingModel's weights as Python's torch.save writes them. */
const base = file('base.pth');

interface Outcome {
  file: string;
  outcome: 'loaded' | 'error' | 'hang' | 'not an Error';
  type?: string;
  message?: string;
}

/** What a command printed when it did not end as it should: for the failure messages. */
const tail = (text: string) => text.split('\n').slice(-8).join('\n');
/** Messages that name a file but not its problem: C++ function names, LibTorch's internal checks. */
const VAGUE = /^(stoi|stol|stoul|stoull|stoll|basic_string|vector|map::at|std::)|enforce fail|Could this error message be improved|unknown native error/;
/** The signs of a native crash in a process's output. */
const CRASH = /terminate called|Aborted|core dumped|Segmentation fault|Fatal error|FATAL ERROR|std::bad_alloc|c10::Error/;

beforeAll(async () => {
  const made = python('synthetic_dataset.py', dataset, '--size', '32', '--train-videos', '2', '--val-videos', '1', '--frames', '80');
  expect(made.stderr).toBe('');
  expect(made.code).toBe(0);
  await using model = await Model.create({ arch: TINY, kind: 'gaze', device: 'cpu' });
  await model.saveWeights(file('ours.pth'));
  const resaved = python('run_inline.py', 'import sys,torch; torch.save(torch.load(sys.argv[1]), sys.argv[2])', file('ours.pth'), base);
  expect(resaved.stderr).toBe('');
  expect(resaved.code).toBe(0);
});
afterAll(() => dir.cleanup());

describe('mutated checkpoints', () => {
  it('each of 200+ is a named error or a successful load, through Model.loadWeights and gazecoder model --weights', () => {
    const markers = file('markers');
    mkdirSync(markers);
    const corpus = mutateCheckpoint(readFileSync(base), markers);
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    mkdirSync(file('corpus'));
    const paths = corpus.map((m, i) => {
      const path = file('corpus', `${String(i).padStart(3, '0')}.pth`);
      writeFileSync(path, m.bytes);
      return path;
    });
    const what = new Map(paths.map((p, i) => [p, corpus[i]?.name ?? '']));
    writeFileSync(file('corpus.txt'), `${paths.join('\n')}\n`);

    // Through the API, in a child process: a crash there is pinned on the file it was loading.
    const child = spawnSync(process.execPath, [join(__dirname, 'helpers', 'load-corpus.js'), require.resolve('@gazecoder/torch'), TINY, file('corpus.txt'), '30000'], {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
      timeout: 600_000,
    });
    const lines = child.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Outcome & { start?: string; end?: number });
    const lastStarted = lines.filter((l) => l.start !== undefined).at(-1)?.start;
    if (child.status !== 0) {
      throw new Error(`the loader process ended with ${child.signal ?? child.status} on ${lastStarted} (${what.get(lastStarted ?? '')}):\n${tail(child.stderr)}`);
    }
    expect(lines.at(-1)?.end).toBe(paths.length);
    const outcomes = lines.filter((l) => l.outcome !== undefined);
    expect(outcomes).toHaveLength(paths.length);

    const counts: Record<string, number> = {};
    const byProblem: Record<string, number> = {};
    const unnamed: string[] = [];
    for (const o of outcomes) {
      counts[o.outcome] = (counts[o.outcome] ?? 0) + 1;
      if (o.outcome !== 'error') continue;
      // Named: the error names the file, and says what is wrong with it.
      const problem = (o.message ?? '').replace(`${o.file}: `, '');
      if (!o.message?.startsWith(`${o.file}: `) || problem.length < 12 || VAGUE.test(problem)) unnamed.push(`${what.get(o.file)}: ${o.message}`);
      const kind = problem.split('\n')[0]?.replace(/\(CRC-32 [^)]*\)/, '').replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N').replace(/\(data\.pkl byte N\)/, '').slice(0, 64) ?? '';
      byProblem[kind] = (byProblem[kind] ?? 0) + 1;
    }
    expect(outcomes.filter((o) => o.outcome !== 'loaded' && o.outcome !== 'error')).toEqual([]);
    expect(unnamed).toEqual([]);
    // The control, rewritten but intact, loads; every pickle naming a command ran nothing.
    expect(outcomes[0]).toMatchObject({ outcome: 'loaded' });
    expect(readdirSync(markers)).toEqual([]);
    const slowest = outcomes.reduce((a, b) => ((b as { ms?: number }).ms ?? 0) > ((a as { ms?: number }).ms ?? 0) ? b : a);

    // Through the CLI, a sample: the same outcome as the API, exit 1 with the error on stderr, or 0.
    const cli = { runs: 0, loaded: 0, errors: 0 };
    const mismatches: string[] = [];
    for (let i = 0; i < paths.length; i += CLI_SAMPLE) {
      const path = paths[i] as string;
      const run = spawnSync(GAZECODER_BIN, ['model', '--arch', TINY, '--weights', path, '--json'], { encoding: 'utf8', timeout: 120_000, maxBuffer: 16 << 20 });
      cli.runs += 1;
      const api = outcomes[i] as Outcome;
      const name = what.get(path);
      if (run.signal !== null || CRASH.test(run.stderr)) throw new Error(`gazecoder model --weights ${path} (${name}) crashed (${run.signal ?? run.status}):\n${tail(run.stderr)}`);
      if (run.status === 0) {
        cli.loaded += 1;
        expect((JSON.parse(run.stdout) as { weights: { path: string } }).weights.path).toBe(path);
        if (api.outcome !== 'loaded') mismatches.push(`${name}: the CLI loaded it, the API said ${api.message}`);
      } else {
        cli.errors += 1;
        expect({ name, status: run.status, stdout: run.stdout }).toEqual({ name, status: 1, stdout: '' });
        expect(run.stderr.startsWith(`gazecoder: ${path}: `)).toBe(true);
        if (api.outcome !== 'error') mismatches.push(`${name}: the API loaded it, the CLI said ${run.stderr}`);
      }
    }
    expect(mismatches).toEqual([]);

    console.log(
      `checkpoint corpus: ${paths.length} mutated files from a ${readFileSync(base).length}-byte torch.save checkpoint\n` +
        `  Model.loadWeights: ${counts.loaded ?? 0} loaded, ${counts.error ?? 0} named errors, 0 crashes, 0 hangs; slowest ${(slowest as { ms?: number }).ms} ms (${what.get(slowest.file)})\n` +
        `  gazecoder model --weights (every ${CLI_SAMPLE}th file): ${cli.runs} runs, ${cli.loaded} loaded, ${cli.errors} exit 1 with the error, 0 crashes\n` +
        `  errors by kind (${Object.keys(byProblem).length} kinds, the 15 most frequent):\n` +
        Object.entries(byProblem).sort((a, b) => b[1] - a[1]).slice(0, 15).map(([p, n]) => `    ${String(n).padStart(4)}  ${p}`).join('\n'),
    );
  });

  it('a bit flipped in a tensor record is refused by model, test and annotate, naming the record; --no-verify-crc loads it', () => {
    const bytes = readFileSync(base);
    const entries = [...readZipEntries(bytes, base)].map(([name, data]) => ({ name, data }));
    const record = entries.filter((e) => /\/data\/\d+$/.test(e.name)).reduce((a, b) => (b.data.length > a.data.length ? b : a));
    const at = bytes.indexOf(record.data) + (record.data.length >> 1);
    const damaged = file('damaged.pth');
    const copy = Buffer.from(bytes);
    copy[at] = (copy[at] as number) ^ 0x10;
    writeFileSync(damaged, copy);
    const name = record.name.split('/').slice(1).join('/');  // data/N, as LibTorch names records
    const refused = new RegExp(`${damaged}: record ${name} is corrupt \\(CRC-32 [0-9a-f]{8}, the zip directory says [0-9a-f]{8}\\)`);

    const model = gazecoder('model', '--arch', TINY, '--weights', damaged);
    expect(model.code).toBe(1);
    expect(model.stderr).toMatch(refused);
    const unchecked = gazecoder('model', '--arch', TINY, '--weights', damaged, '--no-verify-crc', '--json');
    expect(unchecked.stderr).toBe('');
    expect(unchecked.code).toBe(0);
    expect((JSON.parse(unchecked.stdout) as { weights: { skipped: string[] } }).weights.skipped).toEqual([]);

    const test = gazecoder('test', damaged, dataset, '--arch', TINY, '--split', 'val', '--device', 'cpu');
    expect(test.code).toBe(1);
    expect(test.stderr).toMatch(refused);
    expect(test.stderr).toContain('(the file is damaged: copy it again)');
    const testUnchecked = gazecoder('test', damaged, dataset, '--arch', TINY, '--split', 'val', '--device', 'cpu', '--no-verify-crc');
    expect(testUnchecked.stderr).toBe('');
    expect(testUnchecked.code).toBe(0);
    expect(testUnchecked.stdout).toMatch(/^windows \d+: accuracy/);

    const videos = file('videos');
    mkdirSync(videos);
    const random = rng(4);
    const who = identity(random);
    writeVideo(join(videos, 'face.mp4'), Array.from({ length: 12 }, () => drawFace(who, 'left', 320, 240, random).frame));
    const annotate = gazecoder('annotate', join(videos, 'face.mp4'), '--model', damaged, '--arch', TINY, '--device', 'cpu', '--output-dir', file('annotated'));
    expect(annotate.code).toBe(1);
    expect(annotate.stderr).toMatch(refused);
    expect(annotate.stderr).toContain('(the file is damaged: copy or download it again)');
    expect(existsSync(file('annotated', 'face.txt'))).toBe(false);
    const annotateUnchecked = gazecoder('annotate', join(videos, 'face.mp4'), '--model', damaged, '--arch', TINY, '--device', 'cpu', '--output-dir', file('annotated'), '--no-verify-crc', '--json');
    expect(annotateUnchecked.code).toBe(0);
    expect(existsSync(file('annotated', 'face.txt'))).toBe(true);
  });
});

describe('API argument fuzz', () => {
  it(`${FUZZ_CALLS} calls with generated tensor and option arguments: each returns or throws a named JS error, and the process lives`, () => {
    const child = spawnSync(
      process.execPath,
      [join(__dirname, 'helpers', 'api-fuzz.js'), require.resolve('@gazecoder/torch'), require.resolve('@gazecoder/native'), TINY, base, dataset, String(FUZZ_CALLS), '7'],
      { encoding: 'utf8', timeout: 600_000, maxBuffer: 16 << 20, env: { ...process.env, GAZECODER_THREADS: '2' } },
    );
    if (child.status !== 0 || CRASH.test(child.stderr)) throw new Error(`the fuzz process ended with ${child.signal ?? child.status}:\n${tail(child.stdout)}\n${tail(child.stderr)}`);
    const summary = JSON.parse(child.stdout.trim().split('\n').at(-1) as string) as {
      calls: number;
      counts: Record<string, number>;
      passedThrough: number;
      unnamed: string[];
      samples: Record<string, string[]>;
      finalForward: number[];
    };
    expect(summary.calls).toBe(FUZZ_CALLS);
    const total = Object.values(summary.counts).reduce((a, b) => a + b, 0);
    expect(total).toBe(FUZZ_CALLS);
    const allowed = new Set(['ok', 'TypeError', 'RangeError', 'Error', 'getter error passed through']);
    expect(Object.keys(summary.counts).filter((k) => !allowed.has(k))).toEqual([]);
    // A TypeError or RangeError names the argument it is about.
    expect(summary.unnamed).toEqual([]);
    expect(summary.counts.TypeError).toBeGreaterThan(0);
    expect(summary.counts.RangeError).toBeGreaterThan(0);
    expect(summary.finalForward).toEqual([1, 3]);
    console.log(
      `API fuzz: ${summary.calls} calls (@gazecoder/torch and the raw addon), ` +
        `${Object.entries(summary.counts).map(([k, n]) => `${n} ${k}`).join(', ')}; the process exited 0\n` +
        Object.entries(summary.samples).map(([k, messages]) => `  ${k}:\n${messages.map((m) => `    ${m}`).join('\n')}`).join('\n'),
    );
  });
});

describe('a second Ctrl-C during training', () => {
  /** Starts a long run, interrupts it twice `gapMs` apart once the first step is logged; its exit. */
  function interruptTwice(out: string, gapMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(GAZECODER_BIN, ['train', dataset, '--out', out, '--arch', TINY, '--batch-size', '8', '--device', 'cpu', '--epochs', '100', '--log-every', '1', '--json']);
      let stderr = '';
      let sent = false;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`no exit after two SIGINTs:\n${tail(stderr)}`));
      }, 120_000);
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (!sent && stderr.includes('"type":"step"')) {
          sent = true;
          child.kill('SIGINT');
          setTimeout(() => child.kill('SIGINT'), gapMs);
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stderr });
      });
    });
  }

  it.each([0, 30, 300])('ends the process with 130, without a native abort (second SIGINT %i ms after the first)', async (gapMs) => {
    const out = file(`interrupted-${gapMs}`);
    const result = await interruptTwice(out, gapMs);
    expect(result.stderr).not.toMatch(CRASH);
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 130, signal: null });
    expect(result.stderr).toContain('SIGINT: stopping after this step and writing last.pth');
    // Whatever the second interrupt cut short, a last.pth on disk is whole (written atomically).
    if (existsSync(join(out, 'last.pth'))) {
      await using model = await Model.create({ arch: TINY, kind: 'gaze', device: 'cpu' });
      await expect(model.loadWeights(join(out, 'last.pth'))).resolves.toMatchObject({ interpretedAs: 'checkpoint', skipped: [] });
    }
  });
});
