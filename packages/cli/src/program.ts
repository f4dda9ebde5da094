import { Command, InvalidArgumentError } from 'commander';

import { registerInfoCommand } from './commands/info';

/** Parses a positive integer flag value, or says which flag was wrong. */
export function positiveInteger(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive integer, got '${value}'`);
    return n;
  };
}

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
  return program;
}
