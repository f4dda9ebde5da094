// iCatcher+'s illegal-transition smoothing (icatcher-plus.md §12.2 step 7): the CSV of
// `--illegal_transitions_path` (parsers.parse_illegal_transitions_file), the fix
// (cli.fix_illegal_transitions) applied as cli.predict_from_video applies it, and the frames at the
// end as it writes them (the output cursor moves back by the longest pattern L, so the last 4 + L
// frames are written as `none`, −1 in raw_output and ui).
import { readFileSync } from 'node:fs';

import { LABEL } from '../labels';
import type { VideoAnswers } from './write-output';

/** One row of the CSV: a run of answers and what replaces it (equal lengths, class ids −3…2). */
export interface IllegalTransition {
  illegal: readonly number[];
  corrected: readonly number[];
}

export interface IllegalTransitions {
  rules: readonly IllegalTransition[];
  /** the longest illegal run, L: the output cursor moves back by it */
  longest: number;
}

/** A malformed transitions CSV: names the file and, where there is one, the 1-based line. */
export class IllegalTransitionsError extends Error {
  constructor(
    readonly file: string,
    reason: string,
    readonly line?: number,
  ) {
    super(`${file}${line === undefined ? '' : `: line ${line}`}: ${reason}`);
    this.name = 'IllegalTransitionsError';
  }
}

const CLASS_IDS = new Set<number>(Object.values(LABEL));

/** iCatcher+'s tokens: each digit, with a '-' sign when one precedes it (re.findall(r"-?\d", …)); anything else is ignored. */
function tokens(field: string): number[] {
  return Array.from(field.matchAll(/-?\d/g), (m) => Number(m[0]) + 0); // + 0: -0 → 0, as int("-0")
}

/** Python's text-mode readlines(): universal newlines, no empty last line. */
function pythonLines(text: string): string[] {
  const lines = text.split(/\r\n|\r|\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Parses a transitions CSV as parsers.parse_illegal_transitions_file does: the first line is a
 * header and skipped whatever it says; every other line, stripped and split on ',', must have
 * exactly two fields (quotes removed), whose `-?\d` tokens must be class ids (−3…2) and equally
 * many. And as predict_from_video then checks: at least one row (it takes the max of their lengths)
 * and no illegal run longer than 4 (the cursor −5 − L must stay within the 9-frame window).
 */
export function parseIllegalTransitions(text: string, file = '<illegal transitions>', window = 9): IllegalTransitions {
  const rows = pythonLines(text).slice(1);
  const rules: IllegalTransition[] = rows.map((raw, i) => {
    const line = i + 2;
    const row = raw.trim().split(',').map((x) => x.replaceAll('"', ''));
    if (row.length !== 2) throw new IllegalTransitionsError(file, `needs exactly two columns ("illegal","corrected"), got ${row.length}: '${raw.trim()}'`, line);
    const [illegal, corrected] = row.map(tokens) as [number[], number[]];
    for (const [name, ids] of [['illegal', illegal], ['corrected', corrected]] as const) {
      const bad = ids.find((x) => !CLASS_IDS.has(x));
      if (bad !== undefined) throw new IllegalTransitionsError(file, `${name} transition '${name === 'illegal' ? row[0] : row[1]}' has ${bad}, not a class id (-3 none, -2 noface, -1 nobabyface, 0 away, 1 left, 2 right)`, line);
    }
    if (illegal.length !== corrected.length) throw new IllegalTransitionsError(file, `illegal transition '${row[0]}' has ${illegal.length} classes but its correction '${row[1]}' has ${corrected.length}`, line);
    return { illegal, corrected };
  });
  if (rules.length === 0) throw new IllegalTransitionsError(file, 'has no transitions (a header line, then one "illegal","corrected" row per transition)');
  const longest = Math.max(...rules.map((r) => r.illegal.length));
  const half = Math.floor(window / 2);
  if (half + 1 + longest > window) throw new IllegalTransitionsError(file, `has a transition of ${longest} frames; at most ${window - half - 1} fit the ${window}-frame sliding window`);
  return { rules, longest };
}

/** Reads and parses a transitions CSV; a missing or unreadable file is an IllegalTransitionsError naming it. */
export function readIllegalTransitions(path: string, window = 9): IllegalTransitions {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new IllegalTransitionsError(path, code === 'ENOENT' ? 'no such file (--illegal-transitions)' : `cannot be read: ${(error as Error).message}`);
  }
  return parseIllegalTransitions(text, path, window);
}

/**
 * cli.fix_illegal_transitions at frame `loc`: every rule in turn (a later one sees what an earlier
 * one replaced) compares the answers ending at `loc` with its illegal run and, on a match, writes
 * the correction there; frames whose class changed get confidence −1. In place.
 */
export function fixIllegalTransitionsAt(loc: number, answers: number[] | Int8Array, confidences: number[] | Float64Array, transitions: IllegalTransitions): void {
  for (const { illegal, corrected } of transitions.rules) {
    const start = loc - illegal.length + 1;
    if (start < 0) continue; // cannot happen where predict_from_video calls it (loc ≥ 4, L ≤ 4)
    let match = true;
    for (let k = 0; k < illegal.length && match; k += 1) match = answers[start + k] === illegal[k];
    if (!match) continue;
    for (let k = 0; k < corrected.length; k += 1) {
      if (corrected[k] !== answers[start + k]) confidences[start + k] = -1;
      answers[start + k] = corrected[k] as number;
    }
  }
}

/**
 * What annotate writes with these transitions, from the answers it would write without them
 * (a compressed output holds them all; raw_output and ui hold all but the last `edge` frames' ids,
 * which no fix reads): the fix at every frame whose window step ran (half … frames − half − 1),
 * in order, and `edge` grown by L. A copy; `answers` is not changed.
 */
export function smoothAnswers(answers: VideoAnswers, transitions: IllegalTransitions, window = 9): VideoAnswers {
  const half = Math.floor(window / 2);
  const ids = Array.from(answers.answers);
  const confidences = Float64Array.from(answers.confidences);
  for (let j = half; j + half < answers.frames; j += 1) fixIllegalTransitionsAt(j, ids, confidences, transitions);
  return { frames: answers.frames, answers: Int8Array.from(ids), confidences, edge: answers.edge + transitions.longest };
}

/** One frame's final answer out of {@link TransitionSmoother}. */
export interface SmoothedFrame {
  index: number;
  /** the answer as compressed writes it */
  answer: number;
  confidence: number;
}

/**
 * The streaming form of {@link smoothAnswers}: push each frame's answer (prediction or
 * placeholder) in order, get back the frames no later fix can change; `end()` returns the rest.
 * A fix ends at frame j once frame j + half has been pushed, as in predict_from_video, so a frame
 * comes out half + L frames after it went in.
 */
export class TransitionSmoother {
  readonly #answers: number[] = [];
  readonly #confidences: number[] = [];
  readonly #half: number;
  #emitted = 0;

  constructor(
    private readonly transitions: IllegalTransitions,
    window = 9,
  ) {
    this.#half = Math.floor(window / 2);
  }

  /** The trailing frames that raw_output and ui write as `none`, −1: half + L. */
  get edge(): number {
    return this.#half + this.transitions.longest;
  }

  push(answer: number, confidence: number): SmoothedFrame[] {
    this.#answers.push(answer);
    this.#confidences.push(confidence);
    const j = this.#answers.length - 1 - this.#half;
    if (j < this.#half) return [];
    fixIllegalTransitionsAt(j, this.#answers, this.#confidences, this.transitions);
    // The next fix (at j + 1) reaches back to j + 2 − L at most.
    return this.#take(j + 2 - this.transitions.longest);
  }

  end(): SmoothedFrame[] {
    return this.#take(this.#answers.length);
  }

  #take(upTo: number): SmoothedFrame[] {
    const out: SmoothedFrame[] = [];
    for (; this.#emitted < upTo; this.#emitted += 1) out.push({ index: this.#emitted, answer: this.#answers[this.#emitted] as number, confidence: this.#confidences[this.#emitted] as number });
    return out;
  }
}
