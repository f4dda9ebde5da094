// gazecoder annotate - --output-format jsonl: a synthetic video piped in at real-time rate (ffmpeg
// -re, stream copy into MPEG-TS) is coded frame by frame, each answer on stdout while the stream still
// runs, in order, and the same as the file run; annotateStream's signal stops it; a stream that is
// not video ends with one clear error naming stdin.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { annotateStream, annotateVideos, type FrameAnswer } from '@gazecoder/annotate';
import { className, LABEL, rng } from '@gazecoder/formats';
import { drawFace, identity, writeVideo, type Gaze } from '@gazecoder/synth';
import { Model } from '@gazecoder/torch';

import { GAZECODER_BIN, tempDir } from './helpers/run';

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
  lines: Array<{ answer: FrameAnswer; at: number }>;
  started: number;
  streamEnded: number;
}

/** `producer`'s stdout piped into `gazecoder annotate - …`. */
function pipeInto(producer: { command: string; args: string[] }, args: string[]): Promise<Piped> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const feed = spawn(producer.command, producer.args, { stdio: ['ignore', 'pipe', 'ignore'] });
    const coder = spawn(GAZECODER_BIN, ['annotate', '-', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    feed.stdout.pipe(coder.stdin);
    coder.stdin.on('error', () => {});
    let streamEnded = Number.POSITIVE_INFINITY;
    feed.on('exit', () => (streamEnded = performance.now()));
    const lines: Piped['lines'] = [];
    let pending = '';
    coder.stdout.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop() ?? '';
      for (const line of parts) lines.push({ answer: JSON.parse(line) as FrameAnswer, at: performance.now() });
    });
    let stderr = '';
    coder.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    coder.on('error', reject);
    coder.on('close', (code) => resolve({ code, stderr, lines, started, streamEnded }));
  });
}

describe('gazecoder annotate - (a stream on stdin)', () => {
  it('writes one JSON line per frame while a real-time stream still runs, in order, equal to the file run', async () => {
    const expected = await fileAnswers();
    const run = await pipeInto({ command: 'ffmpeg', args: ['-v', 'error', '-re', '-i', video, '-c', 'copy', '-f', 'mpegts', 'pipe:1'] }, ['--model', checkpoint, '--arch', 'regnet_y_400mf', '--device', 'cpu', '--output-format', 'jsonl']);
    expect(run.stderr).toMatch(/stdin: 75 frames coded/);
    expect(run.code).toBe(0);
    expect(run.lines.map((l) => l.answer.frame)).toEqual(Array.from({ length: FRAMES }, (_, f) => f));
    expect(run.lines.map(({ answer }) => ({ frame: answer.frame, class: answer.class, confidence: answer.confidence }))).toEqual(expected);
    run.lines.forEach(({ answer }) => expect(answer.time).toBeCloseTo(answer.frame / 30, 9));
    expect(expected.filter((e) => e.class === 'noface')).toHaveLength(6);
    // Answers came while ffmpeg was still sending the stream (it sends at 30 frames/s for 2.5 s).
    const during = run.lines.filter((l) => l.at < run.streamEnded);
    expect(during.length).toBeGreaterThan(FRAMES / 3);
    // From a frame's arrival (at its time after the first, -re) to its answer.
    const latencies = run.lines.filter((l) => l.at < run.streamEnded).map((l) => l.at - run.started - l.answer.frame * (1000 / 30)).sort((a, b) => a - b);
    const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const settled = run.lines.filter((l) => l.answer.frame >= FRAMES / 2 && l.at < run.streamEnded).map((l) => l.at - run.started - l.answer.frame * (1000 / 30));
    process.stderr.write(`annotate -: ${during.length} of ${FRAMES} answers before the stream ended; median latency from a frame's arrival to its answer ${median(latencies).toFixed(0)} ms (the start, model load included, in it), ${settled.length ? median(settled).toFixed(0) : '–'} ms over the second half\n`);
  });

  it('ends a stream that is not video with one clear error naming stdin, and an aborted annotateStream closes its source', async () => {
    const run = await pipeInto({ command: 'head', args: ['-c', '200000', '/dev/urandom'] }, ['--model', checkpoint, '--arch', 'regnet_y_400mf', '--device', 'cpu']);
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([]);
    expect(run.stderr).toMatch(/^gazecoder: stdin \(-\): /m);

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
