// `gazecoder smooth`: iCatcher+'s --illegal_transitions_path smoothing for codings already on disk,
// giving what `annotate --illegal-transitions` would have written.
import { OUTPUT_FORMATS, type OutputFormat } from '@gazecoder/formats';
import { smoothCodings } from '@gazecoder/annotate';
import { InvalidArgumentError, type Command } from 'commander';

interface SmoothFlags {
  illegalTransitions: string;
  outputDir: string;
  outputFormat?: OutputFormat[];
  mirrorAnnotation?: boolean;
  outputFileSuffix: string;
  overwrite?: boolean;
  json?: boolean;
}

function formats(value: string, previous: OutputFormat[] | undefined): OutputFormat[] {
  const out = [...(previous ?? [])];
  for (const name of value.split(',').map((s) => s.trim())) {
    if (!(OUTPUT_FORMATS as readonly string[]).includes(name)) throw new InvalidArgumentError(`--output-format must be ${OUTPUT_FORMATS.join(', ')} (or several, comma-separated), got '${name}'`);
    if (!out.includes(name as OutputFormat)) out.push(name as OutputFormat);
  }
  return out;
}

async function runSmooth(source: string, flags: SmoothFlags): Promise<void> {
  const done = await smoothCodings({
    source,
    illegalTransitions: flags.illegalTransitions,
    outputDir: flags.outputDir,
    ...(flags.outputFormat ? { outputFormats: flags.outputFormat } : {}),
    mirrorAnnotation: flags.mirrorAnnotation ?? false,
    outputFileSuffix: flags.outputFileSuffix,
    overwrite: flags.overwrite ?? false,
  });
  process.stdout.write(
    flags.json
      ? `${JSON.stringify(done, null, 2)}\n`
      : `${[...done.map((c) => `${c.input}: ${c.frames} frames, ${c.changed} changed -> ${c.outputs.join(', ')}`), `${done.length} coding(s) smoothed`].join('\n')}\n`,
  );
}

export function registerSmoothCommand(program: Command): void {
  program
    .command('smooth')
    .description("iCatcher+'s illegal-transition smoothing for codings on disk: writes what `annotate --illegal-transitions` would have written")
    .argument('<source>', 'an annotate output (<video>.txt, <video>.npz, <video>/labels.txt or the <video>/ folder), or a folder of them')
    .requiredOption('--illegal-transitions <csv>', 'iCatcher+\'s CSV: a header, then "illegal","corrected" rows of class ids (e.g. "1-11","111")')
    .requiredOption('--output-dir <dir>', 'where the smoothed codings go')
    .option('--output-format <format>', 'raw_output, compressed or ui (labels.txt only); several comma-separated (default: the formats each coding was found in)', formats)
    .option('--mirror-annotation', 'the codings were written with --mirror-annotation: unmirror, smooth, write mirrored')
    .option('--output-file-suffix <suffix>', "raw_output's file suffix, read and written", '.txt')
    .option('--overwrite', 'replace existing outputs (else nothing is written, naming the first)')
    .option('--json', 'print the summary as JSON')
    .action(runSmooth);
}
