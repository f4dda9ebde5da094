// The coding being reviewed: a copy of its source track that edits change, with undo and redo. Every
// change is one operation (set a frame range to a class, undo, redo), so replaying the journal's
// operations in order rebuilds the same track and the same undo history.
import { LABEL } from '@gazecoder/formats';

import type { EditRequest, ReviewState } from './protocol';

/** A range set to one class, and what it held before. */
interface Change {
  start: number;
  end: number;
  label: number;
  before: Int8Array;
  beforeConfidence: Float32Array;
}

/** The ids a coder may set: the gaze classes and none (no gaze label). */
export const SETTABLE_LABELS: readonly number[] = [LABEL.none, LABEL.away, LABEL.left, LABEL.right];

export class CorrectedTrack {
  readonly labels: Int8Array;
  /** the source's confidence; 1 on frames a coder set to a gaze class, −1 on frames set to none */
  readonly confidences: Float32Array;
  private readonly undoStack: Change[] = [];
  private readonly redoStack: Change[] = [];
  private reviewState: ReviewState = 'unreviewed';

  constructor(labels: ArrayLike<number>, confidences: ArrayLike<number>) {
    this.labels = Int8Array.from(labels);
    this.confidences = Float32Array.from(confidences);
    if (this.confidences.length !== this.labels.length) throw new Error(`${labels.length} labels but ${confidences.length} confidences`);
  }

  get frames(): number {
    return this.labels.length;
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  get state(): ReviewState {
    return this.reviewState;
  }

  /** Why `op` cannot be applied, or null when it can. */
  check(op: EditRequest): string | null {
    switch (op.type) {
      case 'set':
        if (!Number.isInteger(op.start) || !Number.isInteger(op.end) || op.start < 0 || op.end > this.frames || op.start >= op.end) {
          return `frames [${op.start}, ${op.end}) are not a range of this video's ${this.frames} frames`;
        }
        return SETTABLE_LABELS.includes(op.label) ? null : `label ${op.label} cannot be set (${SETTABLE_LABELS.join(', ')})`;
      case 'undo':
        return this.canUndo ? null : 'nothing to undo';
      case 'redo':
        return this.canRedo ? null : 'nothing to redo';
      case 'state':
        return ['unreviewed', 'in progress', 'done'].includes(op.state) ? null : `unknown state '${String(op.state)}'`;
    }
  }

  /** Applies `op` (throws when {@link check} objects). */
  apply(op: EditRequest): void {
    const problem = this.check(op);
    if (problem !== null) throw new Error(problem);
    switch (op.type) {
      case 'set': {
        const change: Change = {
          start: op.start,
          end: op.end,
          label: op.label,
          before: this.labels.slice(op.start, op.end),
          beforeConfidence: this.confidences.slice(op.start, op.end),
        };
        this.write(change);
        this.undoStack.push(change);
        this.redoStack.length = 0;
        break;
      }
      case 'undo': {
        const change = this.undoStack.pop() as Change;
        this.labels.set(change.before, change.start);
        this.confidences.set(change.beforeConfidence, change.start);
        this.redoStack.push(change);
        break;
      }
      case 'redo': {
        const change = this.redoStack.pop() as Change;
        this.write(change);
        this.undoStack.push(change);
        break;
      }
      case 'state':
        this.reviewState = op.state;
        return;
    }
    if (this.reviewState === 'unreviewed') this.reviewState = 'in progress';
  }

  private write(change: Change): void {
    this.labels.fill(change.label, change.start, change.end);
    this.confidences.fill(change.label >= 0 ? 1 : -1, change.start, change.end);
  }
}
