// `gazecoder bench`: ours against reference PyTorch in one run — the training step with parity
// (native gazecoder_step_bench vs scripts/reference/step_bench.py), end-to-end training throughput
// (train() vs iCatcher+'s PIL/DataLoader pipeline and vs PyTorch fed from our packed arrays), and
// inference on a video (embedding reuse vs iCatcher+'s sliding window that encodes a frame 5 times),
// the latency of the same video sent live into annotateStream, and iCatcher+'s RetinaFace face
// detector (the native core's vs batch_face's in PyTorch, scripts/reference/retinaface_bench.py).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { annotateStream, annotateVideos, type StageTimes } from '@gazecoder/annotate';
import { writeNpy } from '@gazecoder/formats';
import { decodeFrames } from '@gazecoder/preprocess';
import { synthesize, videoName } from '@gazecoder/synth';
import { Model, RetinaFace, runtimeInfo, train, type RetinaFaceDetection } from '@gazecoder/torch';

/** The repository root (this file runs from packages/cli/dist/bench/). */
const ROOT = resolve(__dirname, '../../../..');
/** A RegNet-Y small enough for --quick (the core tests' tiny spec). */
export const TINY_ARCH = 'regnet:depth=3,w0=16,wa=8,wm=2,group=8,se=0.25';

export const BENCH_SECTIONS = ['step', 'shared-frames', 'training', 'loader', 'inference', 'detection'] as const;
/** Windows per clip of the shared-frame rows (`gazecoder train --shared-frames K`). */
export const SHARED_FRAME_CLIPS = [4, 8, 16] as const;
export type BenchSection = (typeof BENCH_SECTIONS)[number];

export interface BenchOptions {
  /** which sections to run (default all: the training step, end-to-end training, inference) */
  sections?: readonly BenchSection[];
  /** image encoders to measure (default: regnet_y_16gf and regnet_y_400mf; --quick: a tiny RegNet) */
  archs?: readonly string[];
  device?: string;
  quick?: boolean;
  /** windows per training step (default: 64 on CUDA; on CPU 4 for regnet_y_16gf, 16 otherwise) */
  batchSize?: number;
  /** timed repeats after one warm-up (default 3; --quick 2) */
  repeats?: number;
  python?: string;
  log?: (line: string) => void;
}

export interface Timing {
  median: number;
  min: number;
  max: number;
}

export interface Side {
  status: string;
  samplesPerSecond?: number;
  secondsPerStep?: Timing;
  reason?: string;
  /** the measuring process's peak resident memory (training step rows) */
  peakRssBytes?: number;
}

export interface Parity {
  loss: number;
  referenceLoss: number;
  lossAbsDiff: number;
  paramMaxAbsDiff: number;
  paramMaxAbs: number;
  /** gradients of the parity step: Adam's first step moves a parameter by about ±lr whatever its gradient */
  gradMaxAbsDiff: number;
  gradMaxAbs: number;
  parametersCompared: number;
  lossTolerance: number;
  paramTolerance: number;
  /** relative to gradMaxAbs */
  gradRelTolerance: number;
}

export interface BenchRow {
  section: 'training step' | 'shared-frame step' | 'end-to-end training' | 'data pipeline' | 'inference' | 'face detection';
  arch: string;
  /** what both sides ran, e.g. "batch 4, fp32" */
  config: string;
  /** what the reference is */
  reference: string;
  unit: 'samples/s' | 'frames/s' | 'windows/s';
  ours: Side;
  theirs: Side;
  /** ours ÷ reference throughput; null when a side did not run */
  ratio: number | null;
  parity?: Parity;
  /** inference: seconds per run in each stage, the mean of the timed runs */
  stages?: { ours: StageBreakdown; theirs: StageBreakdown };
  /** inference: the same video sent live (ffmpeg -re, MPEG-TS on a pipe) into annotateStream */
  stream?: StreamLatency;
  /** data pipeline: cores (loader threads, DataLoader processes) each side used */
  workers?: number;
  /** face detection: whether both sides found the same boxes and scores (float32, bit for bit) on every frame */
  detections?: { frames: number; faces: number; identical: boolean };
}

/** What a V100's AMP training step takes in at iCatcher+'s geometry (shared/reference/performance-anchors.md §2.4). */
export const V100_WINDOWS_PER_SECOND = 300;

/**
 * A frame's latency: from when the live source sent it (ffmpeg -re sends frame k k/fps after it
 * starts) to when annotateStream yielded its answer. The first half includes the model's load.
 */
export interface StreamLatency {
  frames: number;
  fps: number;
  /** frames per chunk (the encoder's batch, what an answer waits for besides its window) */
  chunk: number;
  medianMs: number;
  p95Ms: number;
  /** over the second half of the stream, after the start-up */
  settledMedianMs: number;
  settledP95Ms: number;
  /** answers per second over the whole stream; below fps, latency grows as the stream goes on */
  answersPerSecond: number;
}

/**
 * Where an inference run's time goes: decode, detect and crop (+ normalise) in the frame worker
 * process, the model in the addon, and the model's side waiting for frames (what the overlap did not
 * hide); the stages overlap, so they add up to more than `wall` when the overlap works.
 */
export interface StageBreakdown extends StageTimes {
  /** the whole annotateVideos call (model load included) */
  wall: number;
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  threads: number;
  device: string;
  gpus: string[];
  libtorch: string;
  pytorch: string;
  blas: string;
  cpuCapability: string;
  node: string;
}

export interface BenchResult {
  version: 1;
  quick: boolean;
  date: string;
  machine: MachineInfo;
  rows: BenchRow[];
}

interface Settings {
  archs: string[];
  device: string;
  quick: boolean;
  threads: number;
  repeats: number;
  python: string;
  batch: (arch: string) => number;
  log: (line: string) => void;
}

/** Where `npm run build -w native` (cmake-js) or a plain CMake build in native/build-bench put a benchmark executable. */
function benchExecutable(name: string, variable: string): string {
  const candidates = [process.env[variable], join(ROOT, `native/build/bench/${name}`), join(ROOT, `native/build-bench/bench/${name}`)];
  const found = candidates.find((c): c is string => c !== undefined && c !== '' && existsSync(c));
  if (!found) throw new Error(`gazecoder bench: ${name} is not built; run \`npm run build -w native\` (or set ${variable})`);
  return found;
}

export function stepBenchExecutable(): string {
  return benchExecutable('gazecoder_step_bench', 'GAZECODER_STEP_BENCH');
}

export function loaderBenchExecutable(): string {
  return benchExecutable('gazecoder_loader_bench', 'GAZECODER_LOADER_BENCH');
}

function runProcess(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE', ...env } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`${command} ${args.join(' ')} exited with ${code}: ${err.trim().split('\n').slice(-5).join('\n')}`))));
  });
}

/** The last line of a process's stdout as JSON. */
async function runJson<T>(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<T> {
  const out = (await runProcess(command, args, env)).trim().split('\n');
  return JSON.parse(out[out.length - 1] ?? '') as T;
}

function ratio(ours: Side, theirs: Side): number | null {
  return ours.samplesPerSecond && theirs.samplesPerSecond ? ours.samplesPerSecond / theirs.samplesPerSecond : null;
}

function timing(seconds: readonly number[]): Timing {
  const sorted = [...seconds].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[sorted.length - 1] as number };
}

interface StepBenchOutput {
  ours: Side & { parity?: Omit<Parity, 'lossTolerance' | 'paramTolerance' | 'gradRelTolerance'> };
  reference: Side & { torchVersion?: string };
  ratio: number | null;
  parity: Parity | null;
}

/** One side of a step benchmark's output as a row's side. */
function stepSide(r: Side): Side {
  const { status, samplesPerSecond, secondsPerStep, peakRssBytes } = r;
  return { status, samplesPerSecond, secondsPerStep, ...(peakRssBytes !== undefined ? { peakRssBytes } : {}) };
}

/** One configuration of the step benchmark: ours (gazecoder_step_bench) and PyTorch's in one run. */
async function runStepBench(s: Settings, pytorch: { version: string }, arch: string, batch: number, sharedFrames: number): Promise<StepBenchOutput> {
  const r = await runJson<StepBenchOutput>(s.python, [
    join(ROOT, 'scripts/reference/step_bench.py'), '--bench-exe', stepBenchExecutable(), '--arch', arch, '--batch', String(batch),
    '--device', s.device, '--threads', String(s.threads), '--warmup', '1', '--repeats', String(s.repeats),
    '--shared-frames', String(sharedFrames),
  ]);
  pytorch.version = r.reference.torchVersion ?? pytorch.version;
  return r;
}

async function stepRows(s: Settings, pytorch: { version: string }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const arch of s.archs) {
    const batch = s.batch(arch);
    s.log(`bench: training step, ${arch}, batch ${batch}`);
    const r = await runStepBench(s, pytorch, arch, batch, 1);
    rows.push({
      section: 'training step', arch, config: `batch ${batch} windows (${batch * 5} crops), fp32, forward + backward + Adam`,
      reference: 'PyTorch + torchvision step (scripts/reference/step_bench.py)', unit: 'samples/s',
      ours: stepSide(r.ours), theirs: stepSide(r.reference), ratio: r.ratio, ...(r.parity ? { parity: r.parity } : {}),
    });
  }
  return rows;
}

/** The shared-frame rows' batch: a clip of K windows needs a batch of at least K. */
function sharedBatch(s: Settings, arch: string): number {
  return Math.max(s.batch(arch), s.quick ? 8 : Math.max(...SHARED_FRAME_CLIPS));
}

function sharedClips(s: Settings): readonly number[] {
  return s.quick ? [4] : SHARED_FRAME_CLIPS;
}

/** The shared-frame step against iCatcher+'s per-window step in PyTorch, on as many windows. */
async function sharedStepRows(s: Settings, pytorch: { version: string }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  for (const arch of s.archs) {
    const batch = sharedBatch(s, arch);
    for (const k of sharedClips(s)) {
      s.log(`bench: shared-frame step, ${arch}, batch ${batch}, clips of ${k} windows`);
      const r = await runStepBench(s, pytorch, arch, batch, k);
      const frames = Math.ceil(batch / k) * 4 + batch;
      rows.push({
        section: 'shared-frame step', arch, config: `batch ${batch} windows in clips of ${k} (--shared-frames ${k}): ${frames} frames encoded instead of ${batch * 5}, fp32, forward + backward + Adam`,
        reference: "PyTorch + torchvision, iCatcher+'s per-window step on the same windows (5 crops each)", unit: 'samples/s',
        ours: stepSide(r.ours), theirs: stepSide(r.reference), ratio: r.ratio,
      });
    }
  }
  return rows;
}

interface TrainReferenceOutput {
  secondsPerStep: Timing;
  samplesPerSecond: number;
  torchVersion: string;
}

/** Our whole training loop (C++ loader threads, jitter, step) timed between step events, warm-up step left out. */
async function ourTraining(s: Settings, dataset: string, out: string, arch: string, batch: number, steps: number, sharedFrames = 1): Promise<Side> {
  const controller = new AbortController();
  const stamps: number[] = [];
  for await (const event of train({ dataset, out, arch, batchSize: batch, epochs: 1, device: s.device, sharedFrames }, { signal: controller.signal })) {
    if (event.type === 'start' || event.type === 'step') stamps.push(performance.now());
    if (event.type === 'step' && event.step >= steps) controller.abort();
  }
  const seconds = stamps.slice(2).map((t, i) => (t - (stamps[i + 1] as number)) / 1000);
  if (seconds.length === 0) throw new Error(`gazecoder bench: training ran fewer than 2 steps on ${dataset}`);
  const t = timing(seconds);
  return { status: 'ok', secondsPerStep: t, samplesPerSecond: batch / t.median };
}

type ReferencePipeline = 'icatcher' | 'packed';

const REFERENCE_PIPELINES: Record<ReferencePipeline, string> = {
  icatcher: "iCatcher+'s pipeline: PNG per crop decoded by PIL, PIL ColorJitter, DataLoader (num_workers=0)",
  packed: 'PyTorch fed from our packed arrays (tensor ColorJitter, DataLoader num_workers=0)',
};

async function referenceTraining(s: Settings, dataset: string, arch: string, batch: number, steps: number, pipeline: ReferencePipeline, pytorch: { version: string }): Promise<Side> {
  s.log(`bench: end-to-end training, ${arch}, batch ${batch}: PyTorch, ${pipeline} pipeline`);
  const r = await runJson<TrainReferenceOutput>(s.python, [
    join(ROOT, 'scripts/reference/train_reference.py'), dataset, '--arch', arch, '--batch', String(batch), '--steps', String(steps),
    '--threads', String(s.threads), '--pipeline', pipeline,
  ]);
  pytorch.version = r.torchVersion;
  return { status: 'ok', samplesPerSecond: r.samplesPerSecond, secondsPerStep: r.secondsPerStep };
}

/** A synthetic packed dataset with 100×100 crops and training windows for `batches` batches of `batch`. */
async function benchDataset(s: Settings, work: string, name: string, batch: number, batches: number): Promise<string> {
  const dataset = join(work, name);
  // About 125 training windows per 150-frame video.
  const videos = Math.ceil((batch * batches) / 100) + 1;
  await runProcess(s.python, [join(ROOT, 'test/python/synthetic_dataset.py'), dataset, '--size', '100', '--train-videos', String(videos), '--val-videos', '1']);
  return dataset;
}

function trainingConfig(batch: number, extra = ''): string {
  return `batch ${batch}${extra}, 100×100 crops, ColorJitter, fp32 reference; ours at the device's defaults`;
}

async function trainingRows(s: Settings, work: string, pytorch: { version: string }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const steps = s.repeats + 1;
  for (const arch of s.archs) {
    const batch = s.batch(arch);
    const dataset = await benchDataset(s, work, `dataset-${rows.length}`, batch, steps + 1);
    s.log(`bench: end-to-end training, ${arch}, batch ${batch}: gazecoder`);
    const ours = await ourTraining(s, dataset, join(work, `run-${rows.length}`), arch, batch, steps);
    for (const pipeline of ['icatcher', 'packed'] as const) {
      const theirs = await referenceTraining(s, dataset, arch, batch, steps, pipeline, pytorch);
      rows.push({ section: 'end-to-end training', arch, config: trainingConfig(batch), reference: REFERENCE_PIPELINES[pipeline], unit: 'samples/s', ours, theirs, ratio: ratio(ours, theirs) });
    }
  }
  return rows;
}

/** Shared-frame training end to end against the per-window recipe fed from the same arrays, at the same batch in windows. */
async function sharedTrainingRows(s: Settings, work: string, pytorch: { version: string }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const steps = s.repeats + 1;
  for (const arch of s.archs) {
    const batch = sharedBatch(s, arch);
    const dataset = await benchDataset(s, work, `dataset-shared-${arch.replace(/[^a-z0-9_]/gi, '')}`, batch, steps + 1);
    const theirs = await referenceTraining(s, dataset, arch, batch, steps, 'packed', pytorch);
    for (const k of sharedClips(s)) {
      s.log(`bench: end-to-end training, ${arch}, batch ${batch}: gazecoder --shared-frames ${k}`);
      const ours = await ourTraining(s, dataset, join(work, `run-shared-${rows.length}`), arch, batch, steps, k);
      rows.push({
        section: 'end-to-end training', arch, config: trainingConfig(batch, ` windows, ours in clips of ${k} (--shared-frames ${k}) against the per-window recipe`),
        reference: REFERENCE_PIPELINES.packed, unit: 'samples/s', ours, theirs, ratio: ratio(ours, theirs),
      });
    }
  }
  return rows;
}

interface LoaderOutput {
  windowsPerSecond: number;
}

/**
 * The data pipelines alone, no model: our BatchLoader (per window and in clips of 16) with 1 and with
 * every core's worth of threads, against PyTorch's DataLoader fed iCatcher+'s PNG/PIL pipeline with
 * num_workers=0 (iCatcher+'s setting, one core) and num_workers=cores.
 */
async function loaderRows(s: Settings, work: string): Promise<BenchRow[]> {
  const exe = loaderBenchExecutable();
  const batch = s.quick ? 16 : 64;
  const batches = s.quick ? 4 : 12;
  const dataset = await benchDataset(s, work, 'dataset-loader', batch, batches + 2);
  const cores = Math.max(2, cpus().length);
  const reference: Record<number, Side> = {};
  const rows: BenchRow[] = [];
  for (const workers of [1, cores]) {
    s.log(`bench: data pipeline, PyTorch DataLoader (iCatcher+'s PNG/PIL), num_workers=${workers === 1 ? 0 : workers}`);
    const r = await runJson<LoaderOutput>(s.python, [
      join(ROOT, 'scripts/reference/train_reference.py'), dataset, '--loader-only', '--pipeline', 'icatcher', '--batch', String(batch),
      '--steps', String(batches), '--threads', '1', '--workers', String(workers === 1 ? 0 : workers),
    ]);
    reference[workers] = { status: 'ok', samplesPerSecond: r.windowsPerSecond };
    for (const k of [1, 16]) {
      s.log(`bench: data pipeline, gazecoder BatchLoader, ${workers} thread${workers > 1 ? 's' : ''}${k > 1 ? `, clips of ${k}` : ''}`);
      const ours = await runJson<LoaderOutput>(exe, [dataset, '--batch', String(batch), '--workers', String(workers), '--shared-frames', String(k), '--batches', String(batches)]);
      const oursSide: Side = { status: 'ok', samplesPerSecond: ours.windowsPerSecond };
      rows.push({
        section: 'data pipeline', arch: '–',
        config: `batch ${batch}, ColorJitter + flip, ${workers === 1 ? '1 core' : `${workers} cores`}; ours ${k > 1 ? `in clips of ${k} (--shared-frames ${k})` : 'per window'}`,
        reference: `PyTorch DataLoader, iCatcher+'s PNG/PIL pipeline, num_workers=${workers === 1 ? 0 : workers}`,
        unit: 'windows/s', ours: oursSide, theirs: reference[workers] as Side, ratio: ratio(oursSide, reference[workers] as Side), workers,
      });
    }
  }
  return rows;
}

async function inferenceRows(s: Settings, work: string): Promise<BenchRow[]> {
  const raw = join(work, 'videos');
  s.log('bench: inference, drawing a synthetic video');
  const synth = await synthesize({ out: raw, videos: 3, seconds: s.quick ? 2 : 4, fps: 30, seed: 3 });
  const first = synth.videos[0];
  if (!first) throw new Error('gazecoder bench: synth wrote no video');
  const video = join(raw, 'videos', videoName(first.id));
  const rows: BenchRow[] = [];
  for (const arch of s.archs) {
    const checkpoint = join(work, `infer-${rows.length}.pth`);
    {
      await using model = await Model.create({ arch, kind: 'gaze', device: 'cpu' });
      await model.saveWeights(checkpoint);
    }
    const sides: Record<'ours' | 'theirs', number[]> = { ours: [], theirs: [] };
    const stages: Record<'ours' | 'theirs', StageBreakdown[]> = { ours: [], theirs: [] };
    let frames = 0;
    for (let i = 0; i < s.repeats; ++i) {
      for (const side of ['ours', 'theirs'] as const) {
        s.log(`bench: inference, ${arch}, ${side === 'ours' ? 'embedding reuse' : 'sliding window'} ${i + 1}/${s.repeats}`);
        const outputDir = join(work, `annotate-${side}`);
        const start = performance.now();
        const result = await annotateVideos({ source: video, model: checkpoint, arch, outputDir, outputFormats: ['raw_output'], overwrite: true, device: s.device, encodeOnce: side === 'ours' });
        const wall = (performance.now() - start) / 1000;
        sides[side].push(wall);
        const done = result.annotated[0];
        if (!done) throw new Error(`gazecoder bench: annotate failed: ${result.failed.map((f) => f.error).join('; ')}`);
        stages[side].push({ ...done.stages, wall });
        frames = done.frames;
      }
    }
    const side = (seconds: number[]): Side => {
      const t = timing(seconds);
      return { status: 'ok', secondsPerStep: t, samplesPerSecond: frames / t.median };
    };
    const ours = side(sides.ours);
    const theirs = side(sides.theirs);
    const mean = (runs: StageBreakdown[]): StageBreakdown => {
      const keys = ['wall', 'decode', 'detect', 'crop', 'model', 'wait'] as const;
      return Object.fromEntries(keys.map((k) => [k, runs.reduce((sum, r) => sum + r[k], 0) / runs.length])) as unknown as StageBreakdown;
    };
    const breakdown = { ours: mean(stages.ours), theirs: mean(stages.theirs) };
    for (const which of ['ours', 'theirs'] as const) {
      const b = breakdown[which];
      s.log(`bench: inference, ${arch}, ${which === 'ours' ? 'embedding reuse' : 'sliding window'}: ${b.wall.toFixed(3)} s/run: decode ${b.decode.toFixed(3)}, detect ${b.detect.toFixed(3)}, crop ${b.crop.toFixed(3)}, model ${b.model.toFixed(3)}, waiting for frames ${b.wait.toFixed(3)}`);
    }
    s.log(`bench: inference, ${arch}, live stream (ffmpeg -re into annotateStream)`);
    const stream = await streamLatency(video, checkpoint, arch, s.device);
    s.log(`bench: inference, ${arch}, live stream: median latency ${stream.medianMs.toFixed(0)} ms (p95 ${stream.p95Ms.toFixed(0)}), after the start-up ${stream.settledMedianMs.toFixed(0)} ms (p95 ${stream.settledP95Ms.toFixed(0)}); ${stream.answersPerSecond.toFixed(1)} answers/s for ${stream.fps} frames/s sent`);
    rows.push({
      section: 'inference', arch, config: `${frames}-frame ${synth.width}×${synth.height} video, face detection + crops + model, window 9 stride 2`,
      reference: "iCatcher+'s sliding window: every window's 5 crops through the whole model (each frame encoded 5 times), same LibTorch",
      unit: 'frames/s', ours, theirs, ratio: ratio(ours, theirs), stages: breakdown, stream,
    });
  }
  return rows;
}

/** RetinaFace ResNet-50, one frame per call as iCatcher+ runs it: ours (the native core through the addon) vs batch_face's in PyTorch. */
async function detectionRows(s: Settings, work: string, pytorch: { version: string }): Promise<BenchRow[]> {
  const size = s.quick ? { width: 160, height: 120 } : { width: 640, height: 480 };
  const count = s.quick ? 3 : 8;
  s.log(`bench: face detection, drawing ${count} frames of ${size.width}×${size.height}`);
  const synth = await synthesize({ out: join(work, 'detection'), videos: 3, seconds: 1, fps: 30, seed: 5, ...size });
  const first = synth.videos[0];
  if (!first) throw new Error('gazecoder bench: synth wrote no video');
  const frames = [...decodeFrames(join(work, 'detection', 'videos', videoName(first.id)))]
    .filter((_, i) => i % 3 === 0)
    .slice(0, count)
    .map((m) => ({ data: m.getData(), width: m.cols, height: m.rows }));
  const framesFile = join(work, 'detection-frames.npy');
  const pixels = new Uint8Array(frames.length * size.width * size.height * 3);
  frames.forEach((f, i) => pixels.set(f.data, i * f.data.length));
  await writeNpy(framesFile, { shape: [frames.length, size.height, size.width, 3], data: pixels });
  // Random weights in Resnet50_Final.pth's layout (the released ones cannot be downloaded here): the cost is the same.
  const weights = join(work, 'retinaface.pth');
  const script = join(ROOT, 'scripts/reference/retinaface_bench.py');
  await runProcess(s.python, [script, 'make-weights', weights, framesFile]);

  s.log('bench: face detection, RetinaFace in the native core');
  const seconds: number[] = [];
  let ours: RetinaFaceDetection[][] = [];
  {
    using net = await RetinaFace.load({ weights, device: s.device });
    await net.detect([frames[0] as (typeof frames)[number]]); // warm-up
    for (let i = 0; i < s.repeats; ++i) {
      const start = performance.now();
      const found: RetinaFaceDetection[][] = [];
      for (const frame of frames) found.push(...(await net.detect([frame])));
      seconds.push((performance.now() - start) / 1000);
      ours = found;
    }
  }
  s.log("bench: face detection, batch_face's RetinaFace in PyTorch");
  // RetinaFace is convolutions (oneDNN on OpenMP's threads); in a Python process numpy's OpenBLAS threads
  // then compete for the cores and halve PyTorch's speed on 2 cores. The reference gets its best setting.
  const theirs = await runJson<{ pytorch: string; seconds: number[]; frames: number; detections: number[][][] }>(
    s.python,
    [script, 'run', weights, framesFile, '--repeats', String(s.repeats), '--threads', String(s.threads), '--device', s.device],
    { OPENBLAS_NUM_THREADS: process.env.OPENBLAS_NUM_THREADS ?? '1' },
  );
  pytorch.version = theirs.pytorch;
  const identical = ours.length === theirs.detections.length && ours.every((faces, i) => {
    const reference = theirs.detections[i] ?? [];
    return faces.length === reference.length && faces.every((f, j) => [...f.box, f.score].every((v, k) => v === reference[j]?.[k]));
  });
  const sideOf = (runs: number[]): Side => {
    const t = timing(runs);
    return { status: 'ok', secondsPerStep: t, samplesPerSecond: frames.length / t.median };
  };
  const oursSide = sideOf(seconds);
  const theirsSide = sideOf(theirs.seconds);
  s.log(`bench: face detection, ${oursSide.samplesPerSecond?.toFixed(2)} vs ${theirsSide.samplesPerSecond?.toFixed(2)} frames/s; detections ${identical ? 'identical' : 'DIFFER'}`);
  return [
    {
      section: 'face detection', arch: 'retinaface (ResNet-50)', config: `${frames.length} frames of ${size.width}×${size.height}, one per call, random weights in Resnet50_Final.pth's layout`,
      reference: "batch_face's RetinaFace as iCatcher+'s CLI calls it, PyTorch on the same ATen",
      unit: 'frames/s', ours: oursSide, theirs: theirsSide, ratio: ratio(oursSide, theirsSide),
      detections: { frames: frames.length, faces: ours.reduce((n, f) => n + f.length, 0), identical },
    },
  ];
}

/** `video` sent at its frame rate (ffmpeg -re, stream copy into MPEG-TS) into annotateStream. */
async function streamLatency(video: string, checkpoint: string, arch: string, device: string): Promise<StreamLatency> {
  const fps = 30; // synthesize()'s rate
  const chunk = 4; // annotateStream's default
  const feed = spawn('ffmpeg', ['-v', 'error', '-re', '-i', video, '-c', 'copy', '-f', 'mpegts', 'pipe:1'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const sent = performance.now();
  const latencies: number[] = [];
  try {
    for await (const answer of annotateStream(feed.stdout, { model: checkpoint, arch, device, chunkSize: chunk })) latencies.push(performance.now() - sent - (answer.frame * 1000) / fps);
  } finally {
    feed.kill();
  }
  const elapsed = (performance.now() - sent) / 1000;
  const at = (xs: number[], q: number): number => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
  };
  const settled = latencies.slice(Math.floor(latencies.length / 2));
  return { frames: latencies.length, fps, chunk, medianMs: at(latencies, 0.5), p95Ms: at(latencies, 0.95), settledMedianMs: at(settled, 0.5), settledP95Ms: at(settled, 0.95), answersPerSecond: latencies.length / elapsed };
}

function cpuModel(): string {
  const model = cpus()[0]?.model.trim();
  if (model) return model;
  const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
  return line?.split(':')[1]?.trim() ?? 'unknown';
}

export async function runBench(options: BenchOptions = {}): Promise<BenchResult> {
  const quick = options.quick === true;
  const info = runtimeInfo();
  const device = options.device ?? (info.cudaAvailable ? 'cuda' : 'cpu');
  const cuda = device.startsWith('cuda');
  const sections = new Set(options.sections ?? BENCH_SECTIONS);
  const s: Settings = {
    archs: [...(options.archs ?? (quick ? [TINY_ARCH] : ['regnet_y_16gf', 'regnet_y_400mf']))],
    device,
    quick,
    threads: info.intraOpThreads,
    repeats: options.repeats ?? (quick ? 2 : 3),
    python: options.python ?? process.env.GAZECODER_PYTHON ?? '/usr/bin/python3',
    // A regnet_y_16gf step at batch 64 takes minutes on a CPU; a small batch keeps the run short.
    batch: (arch) => options.batchSize ?? (quick ? 4 : cuda ? 64 : arch === 'regnet_y_16gf' ? 4 : 16),
    log: options.log ?? (() => {}),
  };
  const work = await mkdtemp(join(tmpdir(), 'gazecoder-bench-'));
  const pytorch = { version: 'unknown' };
  try {
    const rows = [
      ...(sections.has('step') ? await stepRows(s, pytorch) : []),
      ...(sections.has('shared-frames') ? await sharedStepRows(s, pytorch) : []),
      ...(sections.has('training') ? await trainingRows(s, work, pytorch) : []),
      ...(sections.has('shared-frames') ? await sharedTrainingRows(s, work, pytorch) : []),
      ...(sections.has('loader') ? await loaderRows(s, work) : []),
      ...(sections.has('inference') ? await inferenceRows(s, work) : []),
      ...(sections.has('detection') ? await detectionRows(s, work, pytorch) : []),
    ];
    return {
      version: 1,
      quick,
      date: new Date().toISOString(),
      machine: {
        cpu: cpuModel(), cores: cpus().length, threads: s.threads, device,
        gpus: info.gpus.map((g) => g.name), libtorch: info.torchVersion, pytorch: pytorch.version,
        blas: info.blas, cpuCapability: info.cpuCapability, node: process.versions.node,
      },
      rows,
    };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
