// gazecoder annotate - --output-format jsonl: a synthetic video piped in as MPEG-TS is coded frame by
// frame, each answer on stdout while the rest of the stream is held back, in order, and the same as
// the file run; annotateStream's signal stops it; a stream that is
// not video ends with one clear error naming stdin.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';

import { annotateStream, annotateVideos, type FrameAnswer } from '@gazecoder/annotate';
import { className, formatFixed2, LABEL, rng } from '@gazecoder/formats';
import { drawFace, identity, writeVideo, type Gaze } from '@gazecoder/synth';
import { Model } from '@gazecoder/torch';

import { GAZECODER_BIN, gazecoder, tempDir } from './helpers/run';

const tmp = tempDir('annotate-stream');
afterAll(() => tmp.cleanup());

const FRAMES = 75; // 2.5 s at 30 fps
const video = join(tmp.path, 'baby.mp4');
const checkpoint = join(tmp.path, 'model.pth');
const model = { model: checkpoint, arch: 'regnet_y_400mf', device: 'cpu' };

beforeAll(async () => {
  const random = rng(8);
  const people = [identity(random), identity(random)];
  const gazes: Gaze[] = ['left', 'right', 'away'];
  // A stretch without a face in the middle.
  const frames = Array.from({ length: FRAMES }, (_, i) => {
    const who = people[Math.floor(i / 25) % 2]!;
    const frame = drawFace(who, gazes[Math.floor(i / 8) % 3] as Gaze, 320, 240, random).frame;
    return i >= 40 && i < 46 ? frame.setTo(who.background) : frame;
  });
  writeVideo(video, frames);
  await using m = await Model.create({ arch: 'regnet_y_400mf', kind: 'gaze', device: 'cpu' });
  await m.saveWeights(checkpoint);
});

/** The file run's answers, as the JSON lines should give them (at the stream's chunk of 4 frames: the encoder's batch moves the last bits). */
async function fileAnswers(): Promise<Array<Pick<FrameAnswer, 'frame' | 'class' | 'confidence'>>> {
  const summary = await annotateVideos({ source: video, ...model, batchSize: 4, outputDir: join(tmp.path, 'file'), overwrite: true });
  const a = summary.annotated[0]!.annotation;
  return [...a.answers].map((answer, frame) => ({ frame, class: className(frame >= a.frames - a.edge ? LABEL.none : answer), confidence: a.confidences[frame]! }));
}

interface Piped {
  code: number | null;
  stderr: string;
  lines: FrameAnswer[];
}

/**
 * `gazecoder annotate - …` with `feed` writing its stdin (and ending it); `lines` fills as the JSON
 * lines arrive, so that `feed` can wait on them.
 */
function pipeInto(feed: (stdin: Writable, lines: FrameAnswer[]) => Promise<void>, args: string[]): Promise<Piped> {
  return new Promise((resolve, reject) => {
    const coder = spawn(GAZECODER_BIN, ['annotate', '-', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    coder.stdin.on('error', () => {});
    const lines: FrameAnswer[] = [];
    let pending = '';
    coder.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) lines.push(JSON.parse(line) as FrameAnswer);
    });
    let stderr = '';
    coder.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    coder.on('error', reject);
    coder.on('close', (code) => resolve({ code, stderr, lines }));
    feed(coder.stdin, lines).catch((error: unknown) => {
      coder.kill('SIGKILL'); // or it would outlive the test, its stdin open
      reject(error);
    });
  });
}

/** Writes `bytes` and ends the stream. */
async function writeAll(stdin: Writable, bytes: Buffer): Promise<void> {
  if (!stdin.write(bytes)) await once(stdin, 'drain');
  stdin.end();
}

/** Resolves once `ready()` holds, checking every 50 ms; rejects with `what` after `ms`. */
async function until(ready: () => boolean, what: string, ms = 120_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('gazecoder annotate - (a stream on stdin)', () => {
  it('writes one JSON line per frame while the stream is still open, in order, equal to the file run', async () => {
    const expected = await fileAnswers();
    // The video as MPEG-TS, a stream format (stream copy): its first 80% is sent, a third of the
    // answers must come while the rest is held back (FFmpeg's reads and the windows keep the last
    // dozen frames sent waiting), then the rest follows and the stream ends.
    const ts = join(tmp.path, 'baby.ts');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', video, '-c', 'copy', '-f', 'mpegts', ts]);
    const bytes = readFileSync(ts);
    const split = Math.floor(bytes.length * 0.8);
    let beforeEnd = 0;
    const run = await pipeInto(async (stdin, lines) => {
      stdin.write(bytes.subarray(0, split));
      await until(() => lines.length >= FRAMES / 3, `${FRAMES / 3} answers from the first 80% of the stream`);
      beforeEnd = lines.length;
      await writeAll(stdin, bytes.subarray(split));
    }, ['--model', checkpoint, '--arch', 'regnet_y_400mf', '--device', 'cpu', '--output-format', 'jsonl']);
    expect(run.stderr).toMatch(/stdin: 75 frames coded/);
    expect(run.code).toBe(0);
    expect(beforeEnd).toBeGreaterThanOrEqual(FRAMES / 3);
    expect(run.lines.map((answer) => answer.frame)).toEqual(Array.from({ length: FRAMES }, (_, f) => f));
    expect(run.lines.map((answer) => ({ frame: answer.frame, class: answer.class, confidence: answer.confidence }))).toEqual(expected);
    run.lines.forEach((answer) => expect(answer.time).toBeCloseTo(answer.frame / 30, 9));
    expect(expected.filter((e) => e.class === 'noface')).toHaveLength(6);
  });

  it("codes as jsonl with iCatcher+'s --illegal-transitions, --crop-percent/--crop-mode and --fd-skip-frames exactly what the file run writes with them", () => {
    const transitions = join(__dirname, 'fixtures', 'icatcher-illegal-transitions', 'illegal_transitions_good.csv');
    const plainDir = join(tmp.path, 'parity-plain');
    expect(gazecoder('annotate', video, '--model', checkpoint, '--arch', 'regnet_y_400mf', '--device', 'cpu', '--batch-size', '4', '--output-dir', plainDir).code).toBe(0);
    const plain = readFileSync(join(plainDir, 'baby.txt'), 'utf8');
    for (const flags of [
      ['--illegal-transitions', transitions],
      ['--crop-percent', '40', '--crop-mode', 'left'],
      ['--fd-skip-frames', '2'],
      ['--illegal-transitions', transitions, '--crop-percent', '40', '--crop-mode', 'right', '--fd-skip-frames', '1'],
    ]) {
      const common = ['--model', checkpoint, '--arch', 'regnet_y_400mf', '--device', 'cpu', '--batch-size', '4', ...flags];
      const out = join(tmp.path, `parity-${flags.join('-').replace(/[^a-z0-9]+/gi, '_').slice(-40)}`);
      const file = gazecoder('annotate', video, ...common, '--output-dir', out, '--overwrite');
      expect(file.code).toBe(0);
      const jsonl = gazecoder('annotate', video, ...common, '--output-format', 'jsonl');
      expect(jsonl.stderr).toMatch(/75 frames coded/);
      expect(jsonl.code).toBe(0);
      const lines = jsonl.stdout.trim().split('\n').map((l) => JSON.parse(l) as FrameAnswer);
      const asRawOutput = lines.map((a) => `${a.frame}, ${a.class}, ${formatFixed2(a.confidence)}`).join('\n');
      const written = readFileSync(join(out, 'baby.txt'), 'utf8');
      expect({ flags, text: `${asRawOutput}\n` }).toEqual({ flags, text: written });
      // Each option changed the coding, so the equality says something.
      expect({ flags, changed: written !== plain }).toEqual({ flags, changed: true });
    }
  });

  it('refuses a camera that does not exist (--source webcam:N), a malformed one, and two sources, each naming it', () => {
    // /dev/video* is absent on this machine: the error path is what can be run here.
    const absent = Array.from({ length: 64 }, (_, n) => n).find((n) => !existsSync(`/dev/video${n}`)) as number;
    const missing = gazecoder('annotate', '--source', `webcam:${absent}`, '--model', checkpoint, '--arch', 'regnet_y_400mf', '--device', 'cpu');
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toContain(`gazecoder: webcam:${absent}: no such camera (/dev/video${absent} does not exist)`);
    const malformed = gazecoder('annotate', '--source', 'webcam:front', '--model', checkpoint);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain("--source must be webcam or webcam:N (N a camera index), got 'webcam:front'");
    const both = gazecoder('annotate', video, '--source', 'webcam', '--model', checkpoint);
    expect(both.code).toBe(1);
    expect(both.stderr).toContain(`give the source once: '${video}' or --source webcam`);
    const none = gazecoder('annotate', '--model', checkpoint);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('annotate needs a source');
  });

  it('ends a stream that is not video with one clear error naming stdin, and an aborted annotateStream closes its source', async () => {
    // Text, not random bytes: FFmpeg's probe finds a format in some random streams (one frame of
    // MPEG decoded from /dev/urandom), so those runs coded it and exited 0.
    const readme = readFileSync(join(__dirname, '..', 'README.md'));
    const run = await pipeInto((stdin) => writeAll(stdin, Buffer.concat([readme, readme, readme])), ['--model', checkpoint, '--arch', 'regnet_y_400mf', '--device', 'cpu']);
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([]);
    expect(run.stderr).toMatch(/^gazecoder: stdin \(-\): /m);
    // The model loads while the stream is read: a truncated checkpoint is still named as the error,
    // and not as the stream's, even with a stream that fails too.
    const truncated = join(tmp.path, 'truncated.pth');
    writeFileSync(truncated, readFileSync(checkpoint).subarray(0, 100_000));
    for (const feed of [readFileSync(video), Buffer.concat([readme, readme, readme])]) {
      const bad = await pipeInto((stdin) => writeAll(stdin, feed), ['--model', truncated, '--arch', 'regnet_y_400mf', '--device', 'cpu']);
      expect(bad.code).toBe(1);
      expect(bad.lines).toEqual([]);
      expect(bad.stderr).toContain(`gazecoder: ${truncated}: cannot load it as a regnet_y_400mf GazeCodingModel`);
      expect(bad.stderr).not.toContain('stdin (-)');
    }

    const controller = new AbortController();
    const seen: number[] = [];
    const iterate = async (): Promise<void> => {
      for await (const answer of annotateStream(video, model, { signal: controller.signal })) {
        seen.push(answer.frame);
        if (seen.length === 10) controller.abort();
      }
    };
    await expect(iterate()).rejects.toThrow(/abort/i);
    expect(seen).toEqual(Array.from({ length: 10 }, (_, f) => f));
  });
});
