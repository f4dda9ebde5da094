// `gazecoder smooth`: iCatcher+'s illegal-transition smoothing for codings already on disk. Reads
// annotate's outputs (raw_output, compressed, ui labels.txt), applies the fix exactly as
// `annotate --illegal-transitions` applies it while coding, and writes what that run would have
// written (icatcher-plus.md §12.2 step 7).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';

import {
  RAW_OUTPUT_SUFFIX,
  mirrorId,
  readIllegalTransitions,
  readMachineAnswers,
  refuseExisting,
  smoothAnswers,
  tempSibling,
  uiLabelsText,
  writeCompressed,
  writeFileAtomic,
  writeRawOutput,
  type LabelOptions,
  type OutputFormat,
  type VideoAnswers,
} from '@gazecoder/formats';

export interface SmoothOptions {
  /** a coding (`<stem>.txt`, `<stem>.npz`, `<stem>/labels.txt` or the `<stem>/` folder), or a folder of them */
  source: string;
  /** iCatcher+'s illegal-transitions CSV */
  illegalTransitions: string;
  outputDir: string;
  /** default: each coding in its own format(s) */
  outputFormats?: readonly OutputFormat[];
  /** the codings were written with --mirror-annotation (the rules name unmirrored classes): so are the outputs */
  mirrorAnnotation?: boolean;
  /** raw_output's file suffix, read and written (default .txt) */
  outputFileSuffix?: string;
  overwrite?: boolean;
}

export interface SmoothedCoding {
  stem: string;
  /** the file the answers were read from */
  input: string;
  frames: number;
  /** frames whose class the smoothing changed */
  changed: number;
  outputs: string[];
}

interface Found {
  format: OutputFormat;
  /** the file to read */
  file: string;
}

/** Prefer what holds most: the .npz (every id, full confidences), then raw_output, then ui (2 significant digits). */
const PREFERENCE: readonly OutputFormat[] = ['compressed', 'raw_output', 'ui'];

function classify(path: string, suffix: string): { stem: string; found: Found } | undefined {
  const stat = statSync(path);
  if (stat.isDirectory()) {
    const labels = join(path, 'labels.txt');
    return existsSync(labels) ? { stem: basename(path), found: { format: 'ui', file: labels } } : undefined;
  }
  if (!stat.isFile()) return undefined;
  const name = basename(path);
  if (name === 'labels.txt') return { stem: basename(dirname(resolve(path))), found: { format: 'ui', file: path } };
  if (extname(name).toLowerCase() === '.npz') return { stem: basename(name, extname(name)), found: { format: 'compressed', file: path } };
  if (name.endsWith(suffix) && name.length > suffix.length) return { stem: name.slice(0, -suffix.length), found: { format: 'raw_output', file: path } };
  return undefined;
}

/** The codings `source` names, by stem, each with every format found for it. */
function findCodings(source: string, suffix: string): Map<string, Found[]> {
  if (!existsSync(source)) throw new Error(`${source}: no such coding or folder`);
  const byStem = new Map<string, Found[]>();
  const add = (path: string): boolean => {
    const hit = classify(path, suffix);
    if (!hit) return false;
    byStem.set(hit.stem, [...(byStem.get(hit.stem) ?? []), hit.found]);
    return true;
  };
  if (statSync(source).isFile() || existsSync(join(source, 'labels.txt'))) {
    if (!add(source)) throw new Error(`${source}: not an iCatcher+ coding (<video>${suffix}, <video>.npz or <video>/labels.txt)`);
    return byStem;
  }
  for (const entry of readdirSync(source).sort()) if (!entry.startsWith('.')) add(join(source, entry));
  if (byStem.size === 0) throw new Error(`${source}: no iCatcher+ codings in this folder (looked for <video>${suffix}, <video>.npz and <video>/labels.txt)`);
  return byStem;
}

/** annotate's output names, from the stem itself (a stem may hold dots). */
function outputPath(dir: string, stem: string, format: OutputFormat, suffix: string): string {
  return join(dir, format === 'raw_output' ? `${stem}${suffix}` : format === 'compressed' ? `${stem}.npz` : stem);
}

/** Smooths every coding `options.source` names; reads them all (and the CSV) before writing anything. */
export async function smoothCodings(options: SmoothOptions): Promise<SmoothedCoding[]> {
  const transitions = readIllegalTransitions(options.illegalTransitions);
  const suffix = options.outputFileSuffix ?? RAW_OUTPUT_SUFFIX;
  if (suffix === '') throw new Error('--output-file-suffix must not be empty');
  const mirror = options.mirrorAnnotation ?? false;
  const labels: LabelOptions = { mirror, onOff: false };
  const outputDir = resolve(options.outputDir);
  const codings = findCodings(options.source, suffix);

  const jobs: Array<{ stem: string; input: string; before: VideoAnswers; after: VideoAnswers; formats: readonly OutputFormat[] }> = [];
  for (const [stem, found] of codings) {
    const best = PREFERENCE.map((f) => found.find((x) => x.format === f)).find((x) => x !== undefined) as Found;
    const read = await readMachineAnswers(best.file);
    const ids = Array.from(read.labels, (id) => (mirror ? mirrorId(id) : id));
    const before: VideoAnswers = { frames: ids.length, answers: ids, confidences: Float64Array.from(read.confidences), edge: 4 };
    const formats = options.outputFormats ?? PREFERENCE.filter((f) => found.some((x) => x.format === f));
    jobs.push({ stem, input: best.file, before, after: smoothAnswers(before, transitions), formats });
  }
  const paths = jobs.flatMap((j) => j.formats.map((f) => outputPath(outputDir, j.stem, f, suffix)));
  refuseExisting(paths, options.overwrite ?? false);

  await mkdir(outputDir, { recursive: true });
  const done: SmoothedCoding[] = [];
  for (const job of jobs) {
    const outputs: string[] = [];
    for (const format of job.formats) {
      const path = outputPath(outputDir, job.stem, format, suffix);
      if (format === 'raw_output') await writeRawOutput(path, job.after, labels);
      else if (format === 'compressed') await writeCompressed(path, job.after, labels);
      else {
        // The ui folder's labels.txt; its decorated_frames need the video (annotate draws them).
        const temp = tempSibling(path);
        try {
          await mkdir(temp);
          await writeFileAtomic(join(temp, 'labels.txt'), uiLabelsText(job.after, labels));
          await rm(path, { recursive: true, force: true });
          await rename(temp, path);
        } catch (error) {
          await rm(temp, { recursive: true, force: true });
          throw error;
        }
      }
      outputs.push(path);
    }
    let changed = 0;
    for (let f = 0; f < job.before.frames; f += 1) if (job.after.answers[f] !== job.before.answers[f]) changed += 1;
    done.push({ stem: job.stem, input: job.input, frames: job.before.frames, changed, outputs });
  }
  return done;
}
