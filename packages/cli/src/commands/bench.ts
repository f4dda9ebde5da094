import type { Command } from 'commander';
import { writeFileAtomic } from '@gazecoder/formats';

import { benchMarkdown } from '../bench/bench-markdown';
import { BENCH_SECTIONS, runBench, type BenchSection } from '../bench/run-bench';
import { positiveInteger, splitArchList } from '../flags';

interface BenchFlags {
  sections?: string;
  arch?: string;
  device?: string;
  quick?: boolean;
  batchSize?: number;
  repeats?: number;
  json?: string;
  markdown?: string;
}

async function runBenchCommand(flags: BenchFlags): Promise<void> {
  const sections = flags.sections?.split(',').map((a) => a.trim()).filter((a) => a !== '');
  const unknown = sections?.find((x) => !(BENCH_SECTIONS as readonly string[]).includes(x));
  if (unknown !== undefined) throw new Error(`--sections: unknown section ${unknown} (give some of ${BENCH_SECTIONS.join(', ')})`);
  const result = await runBench({
    ...(sections ? { sections: sections as BenchSection[] } : {}),
    ...(flags.arch !== undefined ? { archs: splitArchList(flags.arch) } : {}),
    device: flags.device,
    quick: flags.quick === true,
    batchSize: flags.batchSize,
    repeats: flags.repeats,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const markdown = benchMarkdown(result);
  if (flags.json) await writeFileAtomic(flags.json, `${JSON.stringify(result, null, 2)}\n`);
  if (flags.markdown) await writeFileAtomic(flags.markdown, markdown);
  process.stdout.write(markdown);
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('ours against reference PyTorch in one run: training step (with parity), end-to-end training, inference on a video; ratios ours ÷ reference')
    .option('--arch <a,b>', 'image encoders, comma-separated; a regnet:depth=…,w0=… spec keeps its commas (default regnet_y_16gf,regnet_y_400mf; --quick: a tiny RegNet)')
    .option('--device <d>', 'auto (default), cpu, cuda[:N]')
    .option('--sections <list>', `which to run, of ${BENCH_SECTIONS.join(',')} (default all)`)
    .option('--quick', 'a tiny RegNet, batch 4, 2 timed repeats: a check in under a minute')
    .option('--batch-size <n>', 'windows per training step (default 64 on CUDA; on CPU 4 for regnet_y_16gf, else 16)', positiveInteger('--batch-size'))
    .option('--repeats <n>', 'timed repeats after one warm-up (default 3)', positiveInteger('--repeats'))
    .option('--json <file>', 'write the whole result as JSON')
    .option('--markdown <file>', 'write the Markdown table (always printed on stdout)')
    .action(runBenchCommand);
}
