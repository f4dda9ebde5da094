// `gazecoder models fetch [archive]` and `gazecoder models list`: the model cache (@gazecoder/models).
// Download progress is a redrawn bar with rate and ETA on a terminal, JSON lines otherwise (stderr).
import { bar, duration, JsonLines, LiveLines, Throttle } from '@gazecoder/progress';
import { cachedArchive, cachedBytes, fetchModelArchive, ICATCHER_ARCHIVE, MODEL_ARCHIVES, modelArchive, modelCacheFolder, type DownloadProgress } from '@gazecoder/models';
import type { Command } from 'commander';

interface FetchFlags {
  url?: string;
  from?: string;
  sha256?: string;
  offline?: boolean;
  force?: boolean;
  json?: boolean;
}

const MiB = 2 ** 20;
const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

/** Reports a download as it goes; `done()` ends the display. */
function downloadReporter(name: string): { report: (p: DownloadProgress) => void; done: () => void } {
  const started = Date.now();
  const rate = (p: DownloadProgress): number => (p.bytes - p.resumedFrom) / Math.max((Date.now() - started) / 1000, 1e-3);
  if (process.stderr.isTTY) {
    let last: DownloadProgress | undefined;
    const lines = new LiveLines(process.stderr, () => {
      if (!last) return [];
      const speed = rate(last);
      const known = last.total !== null;
      const eta = known ? ((last.total as number) - last.bytes) / speed : NaN;
      return [`${name} ${known ? bar(last.bytes / (last.total as number)) : ''} ${mib(last.bytes)}${known ? ` of ${mib(last.total as number)}` : ''}, ${mib(speed)}/s, ETA ${duration(eta)}${last.resumedFrom > 0 ? ` (resumed at ${mib(last.resumedFrom)})` : ''}`];
    });
    return {
      report: (p) => {
        last = p;
        lines.draw();
      },
      done: () => lines.draw(true),
    };
  }
  const out = new JsonLines(process.stderr);
  const throttle = new Throttle(1000);
  let last: DownloadProgress | undefined;
  const write = (p: DownloadProgress): void => out.write({ event: 'download', archive: name, bytes: p.bytes, total: p.total, resumedFrom: p.resumedFrom, bytesPerSecond: Math.round(rate(p)) });
  return {
    report: (p) => {
      last = p;
      if (throttle.ready(name)) write(p);
    },
    done: () => last && write(last),
  };
}

async function runFetch(name: string, flags: FetchFlags): Promise<void> {
  const progress = downloadReporter(name);
  const cached = await fetchModelArchive(name, {
    ...(flags.url ? { url: flags.url } : {}),
    ...(flags.from ? { from: flags.from } : {}),
    ...(flags.sha256 ? { sha256: flags.sha256 } : {}),
    offline: flags.offline ?? false,
    force: flags.force ?? false,
    onProgress: progress.report,
  }).finally(progress.done);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify(cached, null, 2)}\n`);
    return;
  }
  const prefix = flags.sha256 === undefined ? modelArchive(name).sha256Prefix : undefined;
  const check = !cached.pinned ? '(none is pinned upstream: this is the hash of the first download; pass it as --sha256 to pin it)'
    : prefix !== undefined ? `(starts with ${prefix}, the prefix upstream pins in the file's name)` : '(checked against the pinned hash)';
  const lines = [
    `${name}: ${cached.fetched ? 'fetched into' : 'already in the cache at'} ${cached.folder} (${Object.keys(cached.files).length} files, ${mib(cachedBytes(cached))})`,
    `  SHA-256 ${cached.sha256} ${check}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

function runList(flags: { json?: boolean }): void {
  const folder = modelCacheFolder();
  const archives = MODEL_ARCHIVES.map((archive) => {
    const cached = cachedArchive(archive.name);
    return { name: archive.name, format: archive.format, description: archive.description, url: archive.url, cached: cached !== undefined, ...(cached ? { folder: cached.folder, sha256: cached.sha256, bytes: cachedBytes(cached), fetchedAt: cached.fetchedAt, files: cached.files } : {}), models: archive.files };
  });
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ cacheFolder: folder, archives }, null, 2)}\n`);
    return;
  }
  const lines = [`model cache: ${folder}`];
  for (const a of archives) {
    lines.push(`${a.name}: ${a.cached ? `cached (${mib(a.bytes ?? 0)}, fetched ${a.fetchedAt})` : `not cached: npx gazecoder models fetch ${a.name}`} — ${a.description}`);
    // The name that works where a model file is taken: a one-file archive's own, else the file's.
    for (const [file, kind] of Object.entries(a.models)) lines.push(`  ${(a.files?.[file] !== undefined ? '✓' : '·')} ${(a.format === 'file' ? a.name : file.replace(/\.pth$/, '')).padEnd(28)} ${kind}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

export function registerModelsCommand(program: Command): void {
  const models = program.command('models').description(`the model cache (GAZECODER_CACHE, else the OS cache folder): fetch iCatcher+'s released models, list them; a cached model's name works wherever a model file is taken (annotate --model icatcher+_lookit_regnet, train --pretrained regnet_y_16gf)`);
  models
    .command('fetch')
    .description('download a model archive into the cache (resumably: an interrupted fetch continues where it stopped), check its SHA-256 and unpack it atomically')
    .argument('[archive]', `which: ${MODEL_ARCHIVES.map((a) => a.name).join(', ')}`, ICATCHER_ARCHIVE.name)
    .option('--url <url>', "download from this URL instead (a mirror of the archive)")
    .option('--from <file>', 'use a copy of the archive downloaded elsewhere (a browser, another machine): checked and unpacked as a download, without the network')
    .option('--sha256 <hex>', 'the SHA-256 the download must have (iCatcher+ pins none upstream)')
    .option('--offline', 'never use the network: succeed only when the archive is cached')
    .option('--force', 'fetch again even when cached')
    .option('--json', 'print what the cache records as JSON')
    .action(runFetch);
  models.command('list').description('show the cache folder and which archives and models are in it').option('--json', 'print JSON').action(runList);
}
