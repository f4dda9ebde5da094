import { Command } from 'commander';

import { registerAnnotateCommand } from './commands/annotate';
import { registerBenchCommand } from './commands/bench';
import { registerTestCommand } from './commands/checkpoint-test';
import { registerDemoCommand } from './commands/demo';
import { registerEvalCommand } from './commands/eval';
import { registerFacesCommand } from './commands/faces';
import { registerInfoCommand } from './commands/info';
import { registerModelCommand } from './commands/model';
import { registerModelsCommand } from './commands/models';
import { registerPreprocessCommand } from './commands/preprocess';
import { registerReportCommand } from './commands/report';
import { registerReviewCommand } from './commands/review';
import { registerSmoothCommand } from './commands/smooth';
import { registerSynthCommand } from './commands/synth';
import { registerTrainCommand } from './commands/train';
import { positiveInteger } from './flags';

export type { BenchResult } from './bench/run-bench';

/** The `gazecoder` command tree. */
export function buildProgram(): Command {
  const program = new Command('gazecoder')
    .description('iCatcher+ infant gaze coding on a C++ LibTorch core')
    .version(require('../package.json').version as string)
    .option('--threads <n>', 'LibTorch intra-op threads (default: GAZECODER_THREADS or one per core)', positiveInteger('--threads'))
    .showHelpAfterError()
    .hook('preAction', (command) => {
      const threads = command.opts<{ threads?: number }>().threads;
      if (threads !== undefined) process.env.GAZECODER_THREADS = String(threads);
    });
  registerInfoCommand(program);
  registerModelCommand(program);
  registerModelsCommand(program);
  registerTrainCommand(program);
  registerPreprocessCommand(program);
  registerFacesCommand(program);
  registerEvalCommand(program);
  registerTestCommand(program);
  registerReportCommand(program);
  registerAnnotateCommand(program);
  registerSmoothCommand(program);
  registerReviewCommand(program);
  registerSynthCommand(program);
  registerDemoCommand(program);
  registerBenchCommand(program);
  return program;
}
