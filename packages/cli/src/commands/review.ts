// `gazecoder review`: the local web app to check and correct codings frame by frame
// (@gazecoder/review). Prints the URL, optionally opens it; Ctrl-C saves, then stops.
import { spawn } from 'node:child_process';

import { SAVE_FORMATS, startReviewServer, type SaveFormat } from '@gazecoder/review';
import { InvalidArgumentError, type Command } from 'commander';

import { nonNegativeInteger } from '../flags';

interface ReviewFlags {
  codings?: string[];
  port: number;
  host: string;
  allowRemote?: boolean;
  open?: boolean;
  format?: SaveFormat[];
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function formats(value: string, previous: SaveFormat[] | undefined): SaveFormat[] {
  const out = [...(previous ?? [])];
  for (const name of value.split(',').map((s) => s.trim())) {
    if (!(SAVE_FORMATS as readonly string[]).includes(name)) throw new InvalidArgumentError(`--format must be ${SAVE_FORMATS.join(', ')} (or several, comma-separated), got '${name}'`);
    if (!out.includes(name as SaveFormat)) out.push(name as SaveFormat);
  }
  return out;
}

function port(value: string): number {
  const n = nonNegativeInteger('--port')(value);
  if (n > 65535) throw new InvalidArgumentError(`--port must be 0 to 65535, got '${value}'`);
  return n;
}

/** Opens `url` in the desktop's browser; says how to open it by hand when that fails. */
function openInBrowser(url: string): void {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(command as string, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`gazecoder review: could not start ${command} to open the page; open the URL above by hand\n`));
  child.unref();
}

async function runReview(source: string, flags: ReviewFlags): Promise<void> {
  const server = await startReviewServer({
    source,
    codings: flags.codings ?? [],
    host: flags.host,
    port: flags.port,
    allowRemote: flags.allowRemote === true,
    ...(flags.format ? { formats: flags.format } : {}),
  });
  process.stdout.write(`gazecoder review: open ${server.url}\n(Ctrl-C saves the edited videos, then stops)\n`);
  if (flags.open) openInBrowser(server.url);
  await new Promise<void>((resolve, reject) => {
    const stop = (signal: NodeJS.Signals) => {
      process.stderr.write(`gazecoder review: ${signal}, saving…\n`);
      server
        .close()
        .then((written) => {
          process.stdout.write(written.length === 0 ? 'nothing to save\n' : `saved ${written.join(', ')}\n`);
          resolve();
        }, reject);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export function registerReviewCommand(program: Command): void {
  program
    .command('review')
    .description('a local web app to check and correct codings frame by frame: the video, every coding as a timeline, edits saved beside the source')
    .argument('<video|folder>', 'a video, or a folder of videos')
    .option('--codings <dir>', 'a folder of codings matched to the videos by id as eval does (machine: raw_output .txt, .npz, ui folders; human: Lookit .txt, VCX); repeat for more', collect)
    .option('--port <n>', 'port to listen on (0: a free one)', port, 0)
    .option('--host <address>', 'address to listen on; not loopback only with --allow-remote', '127.0.0.1')
    .option('--allow-remote', 'allow a --host reachable from other machines (anyone with the URL can read and edit)')
    .option('--format <formats>', `what saving writes, comma-separated: ${SAVE_FORMATS.join(', ')} (default: raw_output,lookit; the page can change it)`, formats)
    .option('--open', "open the page in the desktop's browser")
    .addHelpText(
      'after',
      [
        '',
        'The URL carries a random token; requests without it are refused. The corrected track starts as a',
        'copy of the machine coding (else the first coding) and is saved beside it, never over it:',
        '<coding folder>/reviewed/<format>/ (raw_output, compressed, ui: for eval --machine; lookit: for',
        'eval --human1 and preprocess). Every edit is journalled in <coding folder>/reviewed/ as it is',
        'made, and replayed when the review is started again.',
      ].join('\n'),
    )
    .action(runReview);
}
