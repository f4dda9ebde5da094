// The scripted story of one video: gaze segments (left / right / away) and stretches with the child
// out of frame, in frames.
import { integer, uniform } from '@gazecoder/formats';

export type SegmentKind = 'left' | 'right' | 'away' | 'no-face';

/** Frames [start, end) of one kind. */
export interface Segment {
  kind: SegmentKind;
  start: number;
  end: number;
}

/** Next gaze after `previous`: mostly left and right, as in looking-time studies, never a repeat. */
function nextGaze(random: () => number, previous: SegmentKind | undefined): 'left' | 'right' | 'away' {
  for (;;) {
    const r = random();
    const gaze = r < 0.4 ? 'left' : r < 0.8 ? 'right' : 'away';
    if (gaze !== previous) return gaze;
  }
}

/**
 * Segments covering [0, frames): gaze holds 0.7–2.5 s; about every 12 s (at least once in videos of
 * 6 s or more) the child leaves the frame for 0.7–1.5 s, never at the very start or end.
 */
export function gazeScript(random: () => number, frames: number, fps: number): Segment[] {
  const noFace: Array<[number, number]> = [];
  const stretches = frames >= 6 * fps ? Math.max(1, Math.round(frames / (12 * fps))) : 0;
  for (let i = 0; i < stretches; i += 1) {
    // one stretch inside each equal slice of the video, away from the slice's edges
    const slice = frames / stretches;
    const length = Math.round(uniform(random, 0.7, 1.5) * fps);
    const start = Math.round(i * slice + uniform(random, 0.3, 0.7) * (slice - length));
    noFace.push([start, start + length]);
  }
  const segments: Segment[] = [];
  let frame = 0;
  let previous: SegmentKind | undefined;
  for (const [start, end] of [...noFace, [frames, frames] as [number, number]]) {
    while (frame < start) {
      const length = integer(random, Math.round(0.7 * fps), Math.round(2.5 * fps));
      // a remainder too short to hold a gaze joins this segment
      const end = start - (frame + length) < Math.round(0.5 * fps) ? start : frame + length;
      previous = nextGaze(random, previous);
      segments.push({ kind: previous, start: frame, end });
      frame = end;
    }
    if (end > start) {
      segments.push({ kind: 'no-face', start, end });
      frame = end;
    }
  }
  return withEveryGaze(segments);
}

/**
 * Every video shows all three gazes when it has room (3 gaze segments or more), so that every split
 * holds every class: where one is missing, the longest segment whose neighbours differ from it takes
 * it. No random draw, so videos that had all three are unchanged.
 */
function withEveryGaze(segments: Segment[]): Segment[] {
  for (const missing of ['left', 'right', 'away'] as const) {
    if (segments.some((s) => s.kind === missing)) continue;
    let best = -1;
    segments.forEach((s, i) => {
      if (s.kind === 'no-face') return;
      if (segments[i - 1]?.kind === missing || segments[i + 1]?.kind === missing) return;
      const count = segments.filter((t) => t.kind === s.kind).length;
      // the kind it replaces must keep a segment of its own
      if (count < 2) return;
      if (best < 0 || s.end - s.start > (segments[best] as Segment).end - (segments[best] as Segment).start) best = i;
    });
    if (best >= 0) (segments[best] as Segment).kind = missing;
  }
  return segments;
}

/** The gaze label of every frame (`null` where the child is out of frame). */
export function frameGazes(segments: readonly Segment[]): Array<'left' | 'right' | 'away' | null> {
  const out: Array<'left' | 'right' | 'away' | null> = [];
  for (const s of segments) for (let f = s.start; f < s.end; f += 1) out.push(s.kind === 'no-face' ? null : s.kind);
  return out;
}
