// The Markdown of a `gazecoder bench` result: machine info, then one table row per measurement with
// throughputs, median (min–max) seconds and the ratio ours ÷ reference.
import { V100_WINDOWS_PER_SECOND, type BenchResult, type BenchRow, type Side } from './run-bench';

function num(x: number | undefined | null, digits = 2): string {
  return x === undefined || x === null || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

function side(s: Side, unit: string): string {
  if (s.status !== 'ok' || s.samplesPerSecond === undefined) return s.status;
  if (s.secondsPerStep === undefined) return num(s.samplesPerSecond);  // a rate over many batches (data pipeline)
  const t = s.secondsPerStep;
  const per = unit === 'frames/s' ? 's/run' : 's/step';
  return `${num(s.samplesPerSecond)} (${num(t.median, 3)} ${per}, ${num(t.min, 3)}–${num(t.max, 3)})`;
}

function parity(row: BenchRow): string {
  const d = row.detections;
  if (d) return `${d.identical ? 'identical' : '**different**'} detections (${d.faces} on ${d.frames} frames)`;
  const p = row.parity;
  return p ? `loss ${p.lossAbsDiff.toExponential(1)}, params ${p.paramMaxAbsDiff.toExponential(1)}, grads ${(p.gradMaxAbsDiff / p.gradMaxAbs).toExponential(1)} (rel.)` : '';
}

/** A second table under the first: a paragraph saying what it shows, its header, its rows. */
function subTable(intro: string, header: readonly string[], rows: readonly string[][]): string[] {
  if (rows.length === 0) return [];
  return ['', intro, '', `| ${header.join(' | ')} |`, `|${'---|'.repeat(header.length)}`, ...rows.map((cells) => `| ${cells.join(' | ')} |`)];
}

export function benchMarkdown(result: BenchResult): string {
  const m = result.machine;
  const lines = [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.threads} intra-op threads, device ${m.device}${m.gpus.length ? ` (${m.gpus.join(', ')})` : ''}; ` +
      `LibTorch ${m.libtorch} (${m.cpuCapability}, ${m.blas}), PyTorch ${m.pytorch}, Node ${m.node}; ${result.date}${result.quick ? ' (--quick)' : ''}.`,
    '',
    '| benchmark | arch | config | reference | unit | ours: median (s, min–max) | reference: median (s, min–max) | ours ÷ reference | parity: max abs diff after one step; detections |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of result.rows) {
    lines.push(`| ${r.section} | ${r.arch} | ${r.config} | ${r.reference} | ${r.unit} | ${side(r.ours, r.unit)} | ${side(r.theirs, r.unit)} | **${num(r.ratio)}** | ${parity(r)} |`);
  }
  const mib = (bytes: number | undefined): string => (bytes === undefined ? '–' : `${num(bytes / 2 ** 20, 0)} MiB`);
  lines.push(
    ...subTable(
      "Training step memory: each side's peak resident memory (the whole measuring process: the C++ benchmark, or Python with PyTorch):",
      ['arch', 'config', 'ours', 'reference'],
      result.rows.flatMap((r) => (r.ours.peakRssBytes === undefined && r.theirs.peakRssBytes === undefined ? [] : [[r.arch, r.config, mib(r.ours.peakRssBytes), mib(r.theirs.peakRssBytes)]])),
    ),
    ...subTable(
      `Data pipeline alone: the cores each loader needs to feed a V100's AMP training step at ${V100_WINDOWS_PER_SECOND} windows/s (100×100 crops, shared/reference/performance-anchors.md §2.4), from its windows/s per core:`,
      ['ours', 'reference', 'cores used', 'ours: windows/s per core', 'reference: windows/s per core', `cores for ${V100_WINDOWS_PER_SECOND} windows/s: ours`, 'reference'],
      result.rows.flatMap((r) => {
        if (r.section !== 'data pipeline' || r.workers === undefined) return [];
        const perCore = (x: Side) => (x.samplesPerSecond ?? NaN) / (r.workers as number);
        const cores = (x: Side) => num(V100_WINDOWS_PER_SECOND / perCore(x), 1);
        return [[r.config.split('; ours ')[1] ?? '', r.reference, String(r.workers), num(perCore(r.ours), 0), num(perCore(r.theirs), 0), cores(r.ours), cores(r.theirs)]];
      }),
    ),
    ...subTable(
      'Inference by stage, seconds per run (mean of the timed runs). Decode, detect and crop + normalise run in the frame worker process while the model runs, so the stages overlap; "waiting" is the model side waiting for frames, what the overlap did not hide:',
      ['arch', 'side', 'wall', 'decode', 'detect', 'crop + normalise', 'model', 'waiting for frames'],
      result.rows.flatMap((r) =>
        (['ours', 'theirs'] as const).flatMap((which) => {
          const b = r.stages?.[which];
          return b ? [[r.arch, which === 'ours' ? 'embedding reuse' : 'sliding window', num(b.wall, 3), num(b.decode, 3), num(b.detect, 3), num(b.crop, 3), num(b.model, 3), num(b.wait, 3)]] : [];
        }),
      ),
    ),
    ...subTable(
      "Live stream: the same video sent at its frame rate (ffmpeg -re, MPEG-TS on a pipe) into annotateStream; a frame's latency runs from when it was sent to when its answer came (the window needs 4 frames after it, and the chunk being filled). The first half includes the model's load:",
      ['arch', 'frames sent at', 'chunk', 'latency median (p95), ms', 'after the start-up: median (p95), ms', 'answers/s'],
      result.rows.flatMap((r) => {
        const l = r.stream;
        return l ? [[r.arch, `${l.fps} frames/s`, String(l.chunk), `${num(l.medianMs, 0)} (${num(l.p95Ms, 0)})`, `${num(l.settledMedianMs, 0)} (${num(l.settledP95Ms, 0)})`, num(l.answersPerSecond, 1)]] : [];
      }),
    ),
  );
  return `${lines.join('\n')}\n`;
}
