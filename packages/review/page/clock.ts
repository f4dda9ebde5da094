// Frame index ↔ video time, from the server's ffprobe timing: a constant rate, or every frame's own
// time for a variable frame rate. A frame is shown by seeking to the middle of its interval, so the
// browser's rounding of currentTime can never land on a neighbour.

import type { Timing } from '../src/protocol';

export class FrameClock {
  private readonly starts: Float64Array;

  constructor(
    timing: Timing,
    readonly frames: number,
  ) {
    this.starts = timing.kind === 'cfr' ? Float64Array.from({ length: frames }, (_, f) => f / timing.fps) : Float64Array.from(timing.timesMs, (ms) => ms / 1000);
    this.frameDuration = timing.kind === 'cfr' ? 1 / timing.fps : this.medianInterval();
  }

  /** the typical interval between frames, in s (the last frame lasts this long) */
  readonly frameDuration: number;

  private medianInterval(): number {
    const gaps: number[] = [];
    for (let f = 1; f < this.starts.length; f += 1) gaps.push((this.starts[f] as number) - (this.starts[f - 1] as number));
    gaps.sort((a, b) => a - b);
    return gaps[gaps.length >> 1] ?? 1 / 30;
  }

  /** When frame f starts, in s. */
  start(frame: number): number {
    return this.starts[frame] ?? 0;
  }

  /** The time to seek to for frame f: the middle of its interval (the last frame: as long as the typical one). */
  seekTime(frame: number): number {
    const f = Math.min(Math.max(frame, 0), this.frames - 1);
    const start = this.starts[f] as number;
    const end = f + 1 < this.frames ? (this.starts[f + 1] as number) : start + this.frameDuration;
    return (start + end) / 2;
  }

  /** The frame shown at time t (s): the last frame starting at or before it. */
  frameAt(t: number): number {
    const x = t + 1e-6;
    let lo = 0;
    let hi = this.frames;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.starts[mid] as number) <= x) lo = mid + 1;
      else hi = mid;
    }
    return Math.max(0, lo - 1);
  }
}
