// Two coders' Lookit codings of a scripted video: coder 1 codes the script exactly; coder 2, the
// reliability coder, places some onsets a few frames off and marks the child out of frame.
import { frameStartMs, integer, trialEndMs } from '@gazecoder/formats';
import type { Segment } from './gaze-script';

/** `end` rows closing a trial every `trialFrames` frames, the last at the final frame. */
function trialEnds(frames: number, trialFrames: number, fps: number): string[] {
  const rows: string[] = [];
  for (let end = trialFrames; end < frames; end += trialFrames) rows.push(`${trialEndMs(end, fps)},0,end`);
  rows.push(`${trialEndMs(frames, fps)},0,end`);
  return rows;
}

/** Coder 1: an onset at every segment start (the child leaving the frame is coded `away`), and trial ends. */
export function coder1Rows(segments: readonly Segment[], frames: number, fps: number, trialFrames: number): string[] {
  const onsets = segments.map((s) => `${frameStartMs(s.start, fps)},0,${s.kind === 'no-face' ? 'away' : s.kind}`);
  return [...onsets, ...trialEnds(frames, trialFrames, fps)];
}

/**
 * Coder 2: most onsets between two gaze segments moved by up to ±4 frames (humans disagree near
 * transitions, rarely elsewhere), an `outofframe` region over each stretch without the child, and
 * the same trial ends. Onsets stay in order and inside their neighbours.
 */
export function coder2Rows(segments: readonly Segment[], frames: number, fps: number, trialFrames: number, random: () => number): string[] {
  const rows: string[] = [];
  segments.forEach((s, i) => {
    if (s.kind === 'no-face') {
      rows.push(`${frameStartMs(s.start, fps)},${frameStartMs(s.end, fps) - frameStartMs(s.start, fps)},outofframe`);
      return;
    }
    const before = segments[i - 1];
    let start = s.start;
    if (before && before.kind !== 'no-face' && random() < 0.7) {
      const shifted = start + integer(random, -4, 4);
      start = Math.min(Math.max(shifted, before.start + 1), s.end - 1);
    }
    rows.push(`${frameStartMs(start, fps)},0,${s.kind}`);
  });
  return [...rows, ...trialEnds(frames, trialFrames, fps)];
}
