import type { Command } from 'commander';
import type { ComparisonSummary, Estimate } from '@gazecoder/evaluate';
import { writeJsonFile, writeReport } from '@gazecoder/report';

import { agreementReport, evaluateFolders, type FolderEvaluation } from '../evaluation/evaluate-folders';
import { nonNegativeInteger, positiveNumber } from '../flags';

interface EvalFlags {
  human1: string;
  machine: string;
  human2?: string;
  fps: number;
  seed: number;
  json?: string;
  report?: string;
  strict?: boolean;
}

const ROWS: ReadonlyArray<[keyof ComparisonSummary, string]> = [
  ['percentAgreement', 'percent agreement'],
  ['cohensKappa', "Cohen's kappa"],
  ['iccLookingTime', 'ICC looking time'],
  ['iccProportionRight', 'ICC proportion right'],
];

function formatEstimate(e: Estimate): string {
  return Number.isFinite(e.mean) ? `${e.mean.toFixed(3)} [${e.ciLow.toFixed(3)}, ${e.ciHigh.toFixed(3)}]` : 'n/a';
}

/** The summary table for the terminal. */
function summaryText(evaluation: FolderEvaluation): string {
  const columns: Array<[string, ComparisonSummary]> = [];
  if (evaluation.summary.humanHuman) columns.push(['human 1 - human 2', evaluation.summary.humanHuman]);
  columns.push(['human 1 - machine', evaluation.summary.humanMachine]);
  const pad = (text: string, width: number) => text.padEnd(width);
  const lines = [`${pad('', 22)}${columns.map(([name, s]) => pad(`${name} (${s.videos} videos)`, 32)).join('')}`];
  for (const [key, label] of ROWS) lines.push(`${pad(label, 22)}${columns.map(([, s]) => pad(formatEstimate(s[key] as Estimate), 32)).join('')}`);
  lines.push(`${pad('frames without label', 22)}${columns.map(([, s]) => pad(`${(100 * s.invalidShare).toFixed(1)} %`, 32)).join('')}`);
  const skipped = evaluation.skipped.map((v) => `  ${v.id}: ${v.reason}\n`).join('');
  const skippedText = skipped === '' ? '' : `skipped ${evaluation.skipped.length} video(s) whose files cannot be evaluated (--strict stops instead):\n${skipped}`;
  return `${lines.join('\n')}\nmean over videos [95 % bootstrap CI]; per-video values with --json or --report\n${skippedText}`;
}

async function runEval(flags: EvalFlags): Promise<void> {
  const evaluation = await evaluateFolders({ human1: flags.human1, machine: flags.machine, human2: flags.human2, fps: flags.fps, seed: flags.seed, strict: flags.strict === true });
  for (const [flag, ids] of Object.entries(evaluation.unmatched)) {
    if (ids.length > 0) process.stderr.write(`gazecoder eval: ${ids.length} video(s) of ${flag} left out, no match in the other folder(s): ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''}\n`);
  }
  if (flags.json) {
    await writeJsonFile(flags.json, {
      videos: evaluation.videos,
      skipped: evaluation.skipped,
      summary: evaluation.summary,
      settings: { fps: flags.fps, seed: flags.seed, resamples: 1000, strict: flags.strict === true },
    });
  }
  if (flags.report) {
    const inputs = [`human 1: ${flags.human1}`, ...(flags.human2 ? [`human 2: ${flags.human2}`] : []), `machine: ${flags.machine}`];
    await writeReport(flags.report, { title: 'gazecoder eval', subtitle: inputs.join(' · '), agreement: agreementReport(evaluation) });
  }
  process.stdout.write(summaryText(evaluation));
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description("agreement of machine (and second human) codings with human 1, as iCatcher+ evaluates: percent agreement, Cohen's kappa, ICC(3,1) of looking time and proportion right, confusion; bootstrap CIs over videos")
    .requiredOption('--human1 <dir>', 'human-1 codings (Lookit .txt, VCX .vcx/.xml); their trials are used for every comparison')
    .requiredOption('--machine <dir>', 'machine codings: iCatcher+ raw_output .txt, compressed .npz, or ui folders (<video>/labels.txt)')
    .option('--human2 <dir>', 'second-human codings, for human-human reliability')
    .option('--fps <n>', 'frame rate Lookit text codings are converted at (iCatcher+ evaluates at 30)', positiveNumber('--fps'), 30)
    .option('--seed <n>', 'seed of the bootstrap resampling', nonNegativeInteger('--seed'), 0)
    .option('--json <file>', 'write every video and the summaries as JSON')
    .option('--report <file.html>', 'write a self-contained HTML report')
    .option('--strict', 'stop at the first video whose coding files cannot be evaluated (default: skip it and report why)')
    .addHelpText('after', '\nFiles are matched by video id: the Lookit id of names like coding_c_x-<id>_final.txt, else the name without extension.')
    .action(runEval);
}
