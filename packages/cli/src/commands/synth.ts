import type { Command } from 'commander';
import { synthesize, type SynthSummary } from '@gazecoder/synth';

import { nonNegativeInteger, positiveInteger, positiveNumber, unitInterval } from '../flags';

interface SynthFlags {
  videos: number;
  seconds: number;
  fps: number;
  seed: number;
  difficulty: number;
  json?: boolean;
}

/** Counts per split, e.g. "1_train 6, 1_validate 2, 2_test 2". */
export function splitCounts(summary: SynthSummary): string {
  const counts = new Map<string, number>();
  for (const v of summary.videos) counts.set(v.which, (counts.get(v.which) ?? 0) + 1);
  return [...counts].sort().map(([which, n]) => `${which} ${n}`).join(', ');
}

async function runSynth(out: string, flags: SynthFlags): Promise<void> {
  const summary = await synthesize({
    out,
    videos: flags.videos,
    seconds: flags.seconds,
    fps: flags.fps,
    seed: flags.seed,
    difficulty: flags.difficulty,
    onVideo: (done, total, id) => process.stderr.write(flags.json ? `${JSON.stringify({ type: 'video', done, total, id })}\n` : `synth: video ${done}/${total} ${id}\n`),
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ out, fps: summary.fps, videos: summary.videos.map(({ truth: _truth, ...v }) => v) })}\n`);
    return;
  }
  const frames = summary.videos.reduce((n, v) => n + v.frames, 0);
  const faces = summary.videos.reduce((n, v) => n + v.faceFrames, 0);
  const adults = summary.videos.filter((v) => v.adult).length;
  process.stdout.write(`${out}: ${summary.videos.length} videos (${splitCounts(summary)}), ${frames} frames at ${summary.fps} fps, child in view on ${faces}, an adult too in ${adults} videos\n`);
}

export function registerSynthCommand(program: Command): void {
  program
    .command('synth')
    .description("a seeded synthetic raw dataset in the Lookit layout: drawn faces looking left / right / away, two coders' codings, the metadata TSV")
    .argument('<out-dir>', 'where to write it (must be absent or empty)')
    .option('--videos <n>', 'number of videos, at least 3', positiveInteger('--videos'), 8)
    .option('--seconds <s>', 'length of each video', positiveNumber('--seconds'), 10)
    .option('--fps <n>', 'frame rate', positiveNumber('--fps'), 30)
    .option('--seed <n>', 'seed: the same seed writes the same dataset', nonNegativeInteger('--seed'), 0)
    .option('--difficulty <d>', 'how hard the videos are to code, 0 to 1: more noise and blur, dimmer light, subtler gaze, faces partly occluded', unitInterval('--difficulty'), 0)
    .option('--json', 'progress as JSON lines on stderr and the summary as JSON')
    .action(runSynth);
}
