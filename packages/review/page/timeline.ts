// The timelines, drawn on canvas from run-length data (never one element per frame): one row per
// track, colour per class, and the machine's confidence as a strip. The overview shows the whole
// video (its tracks drawn once into an offscreen canvas, so moving the playhead costs one copy); the
// detail shows a window of frames around the current one, frame by frame.
import { runEnd, runIndexAt, type Runs } from '../src/runs';

export const CLASS_COLORS: Record<string, string> = {
  left: '#2f6fde',
  right: '#e8861a',
  away: '#9aa5b8',
  none: '#ffffff',
  noface: '#c0392b',
  nobabyface: '#8e44ad',
};

export interface TimelineTrack {
  name: string;
  runs: Runs;
}

export interface TimelineModel {
  frames: number;
  tracks: TimelineTrack[];
  /** one byte per frame: round(c × 250), 255 none */
  confidence: Uint8Array | null;
  colorOf: (label: number) => string;
  frame: number;
  selection: readonly [number, number] | null;
}

const NAME_WIDTH = 170;
const AXIS = 16;
const ROW = 18;
const GAP = 3;

function confidenceColor(byte: number): string {
  if (byte === 255) return '#eef0f3';
  const c = byte / 250;
  return `hsl(${Math.round(c * 120)}, 65%, ${Math.round(42 + 18 * c)}%)`;
}

export class Timeline {
  private base: HTMLCanvasElement | null = null;
  private baseKey = '';
  /** the frames shown, [first, last) */
  private view: [number, number] = [0, 1];

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly mode: 'overview' | 'detail',
    /** frames shown by the detail view */
    public span = 240,
  ) {}

  /** Forget the cached overview (the tracks changed). */
  invalidate(): void {
    this.baseKey = '';
  }

  private rows(model: TimelineModel): number {
    return model.tracks.length + (model.confidence ? 1 : 0);
  }

  private windowOf(model: TimelineModel): [number, number] {
    if (this.mode === 'overview') return [0, Math.max(1, model.frames)];
    const span = Math.min(this.span, model.frames);
    const first = Math.min(Math.max(0, model.frame - Math.floor(span / 2)), Math.max(0, model.frames - span));
    return [first, first + span];
  }

  /** The frame under a pointer at clientX. */
  frameAt(clientX: number, frames: number): number {
    const rect = this.canvas.getBoundingClientRect();
    const plot = rect.width - NAME_WIDTH;
    const [first, last] = this.view;
    const f = Math.floor(first + ((clientX - rect.left - NAME_WIDTH) / plot) * (last - first));
    return Math.min(Math.max(f, 0), frames - 1);
  }

  draw(model: TimelineModel): void {
    const dpr = window.devicePixelRatio || 1;
    const width = this.canvas.clientWidth;
    const height = AXIS + this.rows(model) * (ROW + GAP) + GAP;
    if (this.canvas.width !== Math.round(width * dpr) || this.canvas.height !== Math.round(height * dpr)) {
      this.canvas.width = Math.round(width * dpr);
      this.canvas.height = Math.round(height * dpr);
      this.canvas.style.height = `${height}px`;
      this.baseKey = '';
    }
    const ctx = this.canvas.getContext('2d') as CanvasRenderingContext2D;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this.view = this.windowOf(model);
    if (this.mode === 'overview') {
      const key = `${width}x${height}@${dpr}`;
      if (this.baseKey !== key || this.base === null) {
        this.base ??= document.createElement('canvas');
        this.base.width = this.canvas.width;
        this.base.height = this.canvas.height;
        const baseCtx = this.base.getContext('2d') as CanvasRenderingContext2D;
        baseCtx.setTransform(dpr, 0, 0, dpr, 0, 0);
        this.paintTracks(baseCtx, model, width, height);
        this.baseKey = key;
      }
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
      ctx.drawImage(this.base, 0, 0);
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    } else {
      this.paintTracks(ctx, model, width, height);
    }
    this.paintCursor(ctx, model, width, height);
  }

  private x(frame: number, width: number): number {
    const [first, last] = this.view;
    return NAME_WIDTH + ((frame - first) / (last - first)) * (width - NAME_WIDTH);
  }

  private paintTracks(ctx: CanvasRenderingContext2D, model: TimelineModel, width: number, height: number): void {
    const [first, last] = this.view;
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    // the axis: a tick every "nice" number of frames
    const perPixel = (last - first) / (width - NAME_WIDTH);
    const step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000].find((s) => s / perPixel >= 60) ?? 100000;
    ctx.fillStyle = '#6b778a';
    ctx.strokeStyle = '#d5dbe4';
    for (let f = Math.ceil(first / step) * step; f < last; f += step) {
      const x = Math.round(this.x(f, width)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, AXIS - 4);
      ctx.lineTo(x, height);
      ctx.stroke();
      ctx.fillText(String(f), x + 2, AXIS / 2);
    }
    ctx.fillText(this.mode === 'overview' ? 'whole video' : `frames ${first}–${last - 1}`, 4, AXIS / 2);
    let y = AXIS;
    for (const track of model.tracks) {
      ctx.fillStyle = '#1d2430';
      ctx.fillText(track.name.length > 28 ? `${track.name.slice(0, 27)}…` : track.name, 4, y + ROW / 2);
      const { runs } = track;
      for (let i = Math.max(0, runIndexAt(runs, first)); i < runs.starts.length && (runs.starts[i] as number) < last; i += 1) {
        const start = Math.max(runs.starts[i] as number, first);
        const end = Math.min(runEnd(runs, model.frames, i), last);
        const x0 = Math.floor(this.x(start, width));
        const x1 = Math.ceil(this.x(end, width));
        ctx.fillStyle = model.colorOf(runs.labels[i] as number);
        ctx.fillRect(x0, y, Math.max(1, x1 - x0), ROW);
      }
      ctx.strokeStyle = '#c9d0da';
      ctx.strokeRect(NAME_WIDTH + 0.5, y + 0.5, width - NAME_WIDTH - 1, ROW - 1);
      y += ROW + GAP;
    }
    if (model.confidence) {
      ctx.fillStyle = '#1d2430';
      ctx.fillText('confidence', 4, y + ROW / 2);
      const conf = model.confidence;
      const plot = width - NAME_WIDTH;
      const columns = Math.min(plot, last - first);
      for (let c = 0; c < columns; c += 1) {
        // each column shows the lowest confidence of its frames: a low frame is never hidden
        const a = first + Math.floor((c * (last - first)) / columns);
        const b = Math.max(a + 1, first + Math.floor(((c + 1) * (last - first)) / columns));
        let low = 255;
        for (let f = a; f < b; f += 1) {
          const v = conf[f] as number;
          if (v !== 255 && (low === 255 || v < low)) low = v;
        }
        const x0 = Math.floor(this.x(a, width));
        ctx.fillStyle = confidenceColor(low);
        ctx.fillRect(x0, y, Math.max(1, Math.ceil(this.x(b, width)) - x0), ROW);
      }
    }
  }

  private paintCursor(ctx: CanvasRenderingContext2D, model: TimelineModel, width: number, height: number): void {
    if (model.selection) {
      const [s, e] = model.selection;
      const x0 = this.x(Math.max(s, this.view[0]), width);
      const x1 = this.x(Math.min(e, this.view[1]), width);
      if (x1 > x0) {
        ctx.fillStyle = 'rgba(106, 75, 196, 0.25)';
        ctx.fillRect(x0, AXIS, Math.max(2, x1 - x0), height - AXIS);
      }
    }
    const x = this.x(model.frame + (this.mode === 'detail' ? 0.5 : 0), width);
    ctx.strokeStyle = '#d0021b';
    ctx.lineWidth = this.mode === 'detail' ? Math.max(1, (width - NAME_WIDTH) / (this.view[1] - this.view[0])) : 1.5;
    ctx.globalAlpha = this.mode === 'detail' ? 0.45 : 1;
    ctx.beginPath();
    ctx.moveTo(x, AXIS - 2);
    ctx.lineTo(x, height);
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.lineWidth = 1;
  }
}
