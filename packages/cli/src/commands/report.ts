import type { Command } from 'commander';
import { readTrainingHistory, writeReport } from '@gazecoder/report';
import { join } from 'node:path';

async function runReport(runDir: string, flags: { out?: string }): Promise<void> {
  const out = flags.out ?? join(runDir, 'report.html');
  const training = await readTrainingHistory(runDir);
  await writeReport(out, { title: 'gazecoder training', subtitle: runDir, training });
  process.stdout.write(`${out}: ${training.epochs.length} epochs, ${training.steps.length} logged steps\n`);
}

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description("a self-contained HTML report of a training run's metrics.jsonl: loss, accuracy, learning rate, samples/s, validation confusion (works while it trains)")
    .argument('<run-dir>', 'a `gazecoder train --out` folder')
    .option('--out <file.html>', 'where to write it (default <run-dir>/report.html)')
    .action(runReport);
}
