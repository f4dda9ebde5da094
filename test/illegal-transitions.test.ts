// --illegal-transitions against iCatcher+ as transcribed in test/python/icatcher_transcriptions.py:
// the CSV parser on iCatcher+'s own five test files (fixtures/icatcher-illegal-transitions, copied
// from its tests/test_data), and the fix with the output cursor on random answer sequences, compared
// line for line (raw_output) and value for value (compressed) with predict_from_video's loop.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import {
  IllegalTransitionsError,
  LABEL,
  integer,
  parseIllegalTransitions,
  rawOutputText,
  readIllegalTransitions,
  rng,
  smoothAnswers,
  TransitionSmoother,
  type IllegalTransitions,
  type VideoAnswers,
} from '@gazecoder/formats';

import { python, tempDir } from './helpers/run';

const FIXTURES = join(__dirname, 'fixtures', 'icatcher-illegal-transitions');
const csv = (name: string): string => join(FIXTURES, `illegal_transitions_${name}.csv`);

const tmp = tempDir('illegal');
afterAll(() => tmp.cleanup());

function pythonParse(file: string): string {
  const run = python('icatcher_transcriptions.py', 'parse', file);
  expect(run.stderr).toBe('');
  return run.stdout.trim();
}

describe('parseIllegalTransitions (parsers.parse_illegal_transitions_file)', () => {
  it.each(['good', 'short'])('parses iCatcher+ %s.csv as iCatcher+ does', (name) => {
    const ours = readIllegalTransitions(csv(name));
    expect([ours.rules.map((r) => r.illegal), ours.rules.map((r) => r.corrected)]).toEqual(JSON.parse(pythonParse(csv(name))));
    expect(ours.longest).toBe(name === 'short' ? 4 : 3);
  });

  it.each([
    ['bad1', 15, /corrected transition '-1-1-5' has -5, not a class id/],
    ['bad2', 15, /illegal transition '-12-1' has 3 classes but its correction '-1-1-1-1' has 4/],
    ['bad3', 14, /illegal transition '-15-1' has 5, not a class id/],
  ])('refuses %s.csv, as iCatcher+ does, naming the file and the line', (name, line, reason) => {
    expect(pythonParse(csv(name))).toMatch(/^ValueError: /);
    let error: unknown;
    try {
      readIllegalTransitions(csv(name));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IllegalTransitionsError);
    expect((error as IllegalTransitionsError).line).toBe(line);
    expect((error as Error).message).toContain(`${csv(name)}: line ${line}: `);
    expect((error as Error).message).toMatch(reason);
  });

  it('follows the parser on the cases its tests do not cover', () => {
    // Every -?\d token counts and anything else is ignored; the first line is a header whatever it says.
    const cases: Array<[string, string]> = [
      ['odd', '"1","2"\n"1x0",2 0\n'],
      ['crlf', 'h\r\n"10","11"\r\n"-0-1","0-1"\r\n'],
      ['columns', 'h\n"1","2","3"\n'],
      ['blank', 'h\n"1","2"\n\n'],
      ['empty', 'illegal,corrected\n'],
      ['long', 'h\n"11111","22222"\n'],
      ['digits', 'h\n"13","11"\n'],
    ];
    for (const [name, text] of cases) {
      const file = join(tmp.path, `${name}.csv`);
      writeFileSync(file, text);
      const theirs = pythonParse(file);
      let ours: IllegalTransitions | Error;
      try {
        ours = parseIllegalTransitions(text, file);
      } catch (e) {
        ours = e as Error;
      }
      if (name === 'empty' || name === 'long') {
        // The parser returns these; predict_from_video then refuses them (max() of nothing; a cursor past the window).
        expect(ours).toBeInstanceOf(IllegalTransitionsError);
        continue;
      }
      if (theirs.startsWith('ValueError')) {
        expect(ours).toBeInstanceOf(IllegalTransitionsError);
        expect((ours as Error).message).toMatch(/: line \d+: /);
      } else {
        const parsed = ours as IllegalTransitions;
        expect([parsed.rules.map((r) => r.illegal), parsed.rules.map((r) => r.corrected)]).toEqual(JSON.parse(theirs));
      }
    }
    expect(() => readIllegalTransitions(join(tmp.path, 'missing.csv'))).toThrow(`${join(tmp.path, 'missing.csv')}: no such file`);
  });
});

interface Case {
  csv: string | null;
  placeholders: number[];
  predictions: Record<string, [number, number]>;
}

/** What annotate holds before smoothing: predictions where the window ran, placeholders elsewhere. */
function answersOf(c: Case): VideoAnswers {
  const n = c.placeholders.length;
  const answers = c.placeholders.slice();
  const confidences = answers.map(() => -1);
  for (let m = 4; m + 4 < n; m += 1) {
    const p = c.predictions[m];
    if (c.placeholders[m] === LABEL.none && p) [answers[m], confidences[m]] = p;
  }
  return { frames: n, answers, confidences, edge: 4 };
}

describe('smoothing (cli.fix_illegal_transitions as predict_from_video applies it)', () => {
  it('equals predict_from_video on random answer sequences, raw_output lines and compressed arrays', () => {
    const random = rng(15);
    const rulesFiles = [csv('good'), csv('short')];
    // Rule sets drawn at random, including long ones (up to the 4 frames the window allows) that
    // overlap and chain: a later rule sees what an earlier one replaced.
    const ids = [-3, -2, -1, 0, 1, 2];
    for (let r = 0; r < 6; r += 1) {
      const rows = Array.from({ length: integer(random, 1, 6) }, () => {
        const len = integer(random, 1, 4);
        const run = () => Array.from({ length: len }, () => ids[integer(random, random() < 0.8 ? 3 : 0, 5)]).join('');
        return `"${run()}","${run()}"`;
      });
      const file = join(tmp.path, `random-${r}.csv`);
      writeFileSync(file, `illegal_transition,corrected_transition\n${rows.join('\n')}`);
      rulesFiles.push(file);
    }
    const cases: Case[] = [];
    for (let i = 0; i < 400; i += 1) {
      const n = integer(random, 8, 70);
      // Long runs of one class, so that the patterns match often; faces missing now and then.
      const placeholders: number[] = [];
      const predictions: Record<string, [number, number]> = {};
      let cls = integer(random, 0, 2);
      for (let f = 0; f < n; f += 1) {
        if (random() < 0.3) cls = integer(random, 0, 2);
        placeholders.push(random() < 0.85 ? LABEL.none : random() < 0.5 ? LABEL.noface : LABEL.nobabyface);
        predictions[f] = [cls, Math.round((0.34 + 0.66 * random()) * 1e6) / 1e6];
      }
      cases.push({ csv: i % 10 === 9 ? null : (rulesFiles[i % rulesFiles.length] as string), placeholders, predictions });
    }
    const casesFile = join(tmp.path, 'cases.json');
    writeFileSync(casesFile, JSON.stringify(cases));
    const run = python('icatcher_transcriptions.py', 'smooth', casesFile);
    expect(run.stderr).toBe('');
    const theirs = JSON.parse(run.stdout) as Array<{ raw: string; answers: number[]; confidences: number[] }>;
    let changed = 0;
    cases.forEach((c, i) => {
      const before = answersOf(c);
      const rules = c.csv === null ? undefined : readIllegalTransitions(c.csv);
      const ours = rules ? smoothAnswers(before, rules) : before;
      const expected = theirs[i]!;
      expect(rawOutputText(ours, { mirror: false, onOff: false })).toBe(expected.raw);
      expect(Array.from(ours.answers)).toEqual(expected.answers);
      expect(Array.from(ours.confidences)).toEqual(expected.confidences);
      if (rules) {
        // The streaming form gives the same frames, in order.
        const smoother = new TransitionSmoother(rules);
        const frames = [...Array.from(before.answers, (a, f) => smoother.push(a, before.confidences[f] as number)).flat(), ...smoother.end()];
        expect(frames.map((f) => f.index)).toEqual(Array.from({ length: c.placeholders.length }, (_, f) => f));
        expect(frames.map((f) => f.answer)).toEqual(expected.answers);
        expect(frames.map((f) => f.confidence)).toEqual(expected.confidences);
        expect(smoother.edge).toBe(ours.edge);
        if (expected.answers.some((a, f) => a !== before.answers[f])) changed += 1;
      }
    });
    // The rules did fire, often.
    expect(changed).toBeGreaterThan(100);
  });
});
