import type { Command } from 'commander';

import { runDemo } from '../demo/run-demo';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the whole pipeline on embedded defaults: synthetic Lookit videos → preprocess → train → test → annotate → HTML report')
    .option('--out <dir>', 'working folder (cleared if an earlier demo wrote it)', 'demo-output')
    .option('--full', 'regnet_y_16gf at batch 64 on CUDA, on a larger synthetic set (needs a CUDA device)')
    .action(async (flags: { out: string; full?: boolean }) => {
      await runDemo({ out: flags.out, full: flags.full === true });
    });
}
