// `gazecoder eval`'s work: match human and machine coding files by video id, compare human 2 and the
// machine with human 1 on every matched video, and summarise over videos.
import { compareCodings, readHumanLabels, readMachineLabels, summarizeComparisons, type CodingComparison, type ComparisonSummary } from '@gazecoder/evaluate';
import { codingFiles } from '@gazecoder/preprocess';
import type { AgreementReport, VideoScores } from '@gazecoder/report';

export interface EvaluateFoldersOptions {
  human1: string;
  machine: string;
  human2?: string;
  /** frame rate Lookit text codings are read at (iCatcher+'s evaluation: 30) */
  fps: number;
  /** bootstrap seed */
  seed: number;
  /** stop at the first video whose files cannot be evaluated, instead of skipping it */
  strict?: boolean;
}

export interface VideoEvaluation {
  id: string;
  files: { human1: string; human2: string | null; machine: string };
  /** human 2 vs human 1; null without a human-2 coding of this video */
  humanHuman: CodingComparison | null;
  humanMachine: CodingComparison;
}

/** A matched video left out because one of its files cannot be evaluated (iCatcher+ would stop on it). */
export interface SkippedVideo {
  id: string;
  files: VideoEvaluation['files'];
  /** the error, naming the file and the problem */
  reason: string;
}

export interface FolderEvaluation {
  videos: VideoEvaluation[];
  skipped: SkippedVideo[];
  summary: { humanHuman: ComparisonSummary | null; humanMachine: ComparisonSummary };
  /** ids present in one folder only (left out), per folder flag */
  unmatched: Record<'--human1' | '--machine' | '--human2', string[]>;
}

function sample(ids: Iterable<string>): string {
  const list = [...ids];
  return list.length === 0 ? '(none)' : `${list.slice(0, 5).join(', ')}${list.length > 5 ? `, … (${list.length})` : ''}`;
}

/** Reads every matched video's codings and compares them; errors name the flag or the file. */
export async function evaluateFolders(options: EvaluateFoldersOptions): Promise<FolderEvaluation> {
  const human1 = await codingFiles(options.human1, '--human1', 'human');
  const machine = await codingFiles(options.machine, '--machine', 'machine');
  const human2 = options.human2 === undefined ? undefined : await codingFiles(options.human2, '--human2', 'human');
  const ids = [...human1.keys()].filter((id) => machine.has(id));
  if (ids.length === 0) {
    throw new Error(
      `no video has both a human-1 coding (${options.human1}) and a machine coding (${options.machine}); files are matched by video id ` +
        `(the Lookit id, else the file name without extension): human 1 has ${sample(human1.keys())}; the machine has ${sample(machine.keys())}`,
    );
  }
  const videos: VideoEvaluation[] = [];
  const skipped: SkippedVideo[] = [];
  for (const id of ids) {
    const files = { human1: human1.get(id) as string, human2: human2?.get(id) ?? null, machine: machine.get(id) as string };
    try {
      // Every file is read before anything is compared, so a bad human 2 skips the whole video (as
      // iCatcher+'s compare_coding_files stops on it) rather than leaving half its comparisons.
      const reference = await readHumanLabels(files.human1, options.fps);
      const machineCoding = await readMachineLabels(files.machine);
      const human2Coding = files.human2 === null ? null : await readHumanLabels(files.human2, options.fps);
      const humanMachine = compareCodings(reference, machineCoding);
      const humanHuman = human2Coding === null ? null : compareCodings(reference, human2Coding);
      videos.push({ id, files, humanHuman, humanMachine });
    } catch (error) {
      if (options.strict) throw error;
      skipped.push({ id, files, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  if (videos.length === 0) {
    throw new Error(`every matched video was skipped (${skipped.length}); the first: ${skipped[0]?.reason ?? '(none)'}`);
  }
  const withHuman2 = videos.flatMap((v) => (v.humanHuman ? [v.humanHuman] : []));
  const bootstrap = { seed: options.seed };
  return {
    videos,
    skipped,
    summary: {
      humanHuman: human2 === undefined ? null : summarizeComparisons(withHuman2, bootstrap),
      humanMachine: summarizeComparisons(videos.map((v) => v.humanMachine), bootstrap),
    },
    unmatched: {
      '--human1': [...human1.keys()].filter((id) => !machine.has(id)),
      '--machine': [...machine.keys()].filter((id) => !human1.has(id)),
      '--human2': human2 ? [...human2.keys()].filter((id) => !human1.has(id) || !machine.has(id)) : [],
    },
  };
}

function scores(c: CodingComparison): VideoScores {
  return { percentAgreement: c.session.percentAgreement, cohensKappa: c.session.cohensKappa, iccLookingTime: c.iccLookingTime, iccProportionRight: c.iccProportionRight };
}

/** The agreement section of the HTML report. */
export function agreementReport(evaluation: FolderEvaluation): AgreementReport {
  return {
    videos: evaluation.videos.map((v) => ({ id: v.id, humanMachine: scores(v.humanMachine), ...(v.humanHuman ? { humanHuman: scores(v.humanHuman) } : {}) })),
    humanMachine: evaluation.summary.humanMachine,
    ...(evaluation.summary.humanHuman ? { humanHuman: evaluation.summary.humanHuman } : {}),
  };
}
