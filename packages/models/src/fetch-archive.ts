// `gazecoder models fetch`: an archive downloaded into the cache (resumably), its SHA-256 checked,
// unpacked into a temporary folder and renamed into place, so the cache holds a whole archive or
// none: a failed or interrupted fetch leaves at most the partial download, which the next one resumes.
import { createHash } from 'node:crypto';
import { copyFileSync, createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { basename, dirname, join, normalize, resolve, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';

import yauzl from 'yauzl';

import { tryPidLock } from '@gazecoder/formats';

import { modelCacheFolder } from './cache-folder';
import { modelArchive, type ModelArchive } from './catalog';
import { downloadResumable, type DownloadProgress } from './download';

/** What the cache records of a fetched archive (`<cache>/<name>/gazecoder-archive.json`). */
export interface CachedArchive {
  name: string;
  /** the unpacked archive's folder */
  folder: string;
  url: string;
  sha256: string;
  /** whether that hash was checked against a pinned one or pinned prefix (else it is the first download's) */
  pinned: boolean;
  bytes: number;
  fetchedAt: string;
  /** each file's path in `folder`, by file name */
  files: Record<string, string>;
}

export interface FetchOptions {
  /** download from here instead (a mirror); the files expected stay the archive's */
  url?: string;
  /**
   * a copy of the archive already on disk (downloaded with a browser, or on another machine): checked
   * and unpacked as a download is, without the network; the file itself is left as it is
   */
  from?: string;
  /** the SHA-256 the download must have (default: the catalog's, where one is pinned) */
  sha256?: string;
  /** never touch the network: only what is cached */
  offline?: boolean;
  /** fetch again even when cached */
  force?: boolean;
  /** the cache folder (default: modelCacheFolder()) */
  cacheFolder?: string;
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

const RECORD = 'gazecoder-archive.json';

/** The cached archive `name` in `cacheFolder`, or undefined when it is not (whole) there. */
export function cachedArchive(name: string, cacheFolder = modelCacheFolder()): CachedArchive | undefined {
  const record = join(cacheFolder, name, RECORD);
  if (!existsSync(record)) return undefined;
  return { ...(JSON.parse(readFileSync(record, 'utf8')) as Omit<CachedArchive, 'folder'>), folder: join(cacheFolder, name) };
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Unpacks the zip `file` into `into`; every entry must stay inside it. Returns each file's path by name. */
function unzip(file: string, into: string): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, strictFileNames: false, validateEntrySizes: true }, (error, zip) => {
      if (error || !zip) return reject(new Error(`${file}: not a readable zip archive: ${error?.message ?? 'no archive'}`));
      const files: Record<string, string> = {};
      const fail = (why: Error): void => {
        zip.close();
        reject(why);
      };
      zip.on('error', (e: Error) => fail(new Error(`${file}: the zip archive is damaged: ${e.message}`)));
      zip.on('end', () => resolve(files));
      zip.on('entry', (entry: yauzl.Entry) => {
        const name = entry.fileName.replace(/\\/g, '/');
        const target = normalize(join(into, name));
        if (name.startsWith('/') || !(target === into || target.startsWith(into + sep))) return fail(new Error(`${file}: zip entry '${entry.fileName}' would be written outside the archive's folder`));
        if (name.endsWith('/')) {
          mkdirSync(target, { recursive: true });
          return zip.readEntry();
        }
        mkdirSync(dirname(target), { recursive: true });
        zip.openReadStream(entry, (openError, stream) => {
          if (openError || !stream) return fail(new Error(`${file}: zip entry '${entry.fileName}' cannot be read: ${openError?.message}`));
          pipeline(stream, createWriteStream(target)).then(
            () => {
              files[basename(name)] = name;
              zip.readEntry();
            },
            (e: Error) => fail(new Error(`${file}: zip entry '${entry.fileName}' is damaged: ${e.message}`)),
          );
        });
      });
      zip.readEntry();
    });
  });
}

/**
 * Fetches the archive `name` into the model cache, unless it is there already (or `force`);
 * resolves with what the cache records of it, and whether it was fetched now.
 */
export async function fetchModelArchive(name: string, options: FetchOptions = {}): Promise<CachedArchive & { fetched: boolean }> {
  const archive: ModelArchive = modelArchive(name);
  const cacheFolder = options.cacheFolder ?? modelCacheFolder();
  const cached = cachedArchive(name, cacheFolder);
  if (cached && !options.force) return { ...cached, fetched: false };
  if (options.from !== undefined && options.url !== undefined) throw new Error('--from and --url both say where the archive comes from: give one');
  if (options.from !== undefined && !existsSync(options.from)) throw new Error(`${options.from}: no such file (--from)`);
  if (options.offline && options.from === undefined) throw new Error(`${name}: not in the model cache (${cacheFolder}), and --offline forbids fetching it: run npx gazecoder models fetch ${name}`);
  const expected = (options.sha256 ?? archive.sha256 ?? undefined)?.toLowerCase();
  if (expected !== undefined && !/^[0-9a-f]{64}$/.test(expected)) throw new Error(`--sha256 must be 64 hexadecimal digits, got '${options.sha256}'`);

  mkdirSync(cacheFolder, { recursive: true });
  return withFetchLock(cacheFolder, name, options.signal, async () => {
    // Another process may have fetched it while this one waited for the lock.
    const fetchedMeanwhile = options.force ? undefined : cachedArchive(name, cacheFolder);
    return fetchedMeanwhile ? { ...fetchedMeanwhile, fetched: false } : download(name, archive, cacheFolder, expected, options);
  });
}

/**
 * One fetch of an archive at a time per cache folder: `<name>.fetch-lock` holds the fetching
 * process's id; a second process waits until it is gone (or its process is, when it was killed),
 * so two fetches never write the same partial download.
 */
async function withFetchLock<T>(cacheFolder: string, name: string, signal: AbortSignal | undefined, work: () => Promise<T>): Promise<T> {
  const path = join(cacheFolder, `${name}.fetch-lock`);
  let lock = tryPidLock(path);
  while (!('release' in lock)) {
    signal?.throwIfAborted();
    await sleep(200);
    lock = tryPidLock(path);
  }
  try {
    return await work();
  } finally {
    lock.release();
  }
}

async function download(name: string, archive: ModelArchive, cacheFolder: string, expected: string | undefined, options: FetchOptions): Promise<CachedArchive & { fetched: boolean }> {
  const url = options.from !== undefined ? pathToFileURL(resolve(options.from)).href : (options.url ?? archive.url);
  const part = join(cacheFolder, `${name}.${archive.format === 'zip' ? 'zip' : 'download'}.part`);
  let bytes: number;
  if (options.from !== undefined) {
    // A copy, so that the checks and the unpacking below treat it as a download (and never touch the user's file).
    copyFileSync(options.from, part);
    bytes = statSync(part).size;
  } else {
    bytes = await downloadResumable(url, part, { ...(options.onProgress ? { onProgress: options.onProgress } : {}), ...(options.signal ? { signal: options.signal } : {}) });
  }
  const sha256 = await sha256Of(part);
  if (expected !== undefined && sha256 !== expected) {
    // A wrong file is not resumed from: the next fetch starts afresh.
    rmSync(part, { force: true });
    throw new Error(`${url}: the download's SHA-256 is ${sha256}, not the expected ${expected}; it was removed, nothing was cached`);
  }
  const prefix = expected === undefined ? archive.sha256Prefix : undefined;
  if (prefix !== undefined && !sha256.startsWith(prefix)) {
    rmSync(part, { force: true });
    throw new Error(`${url}: the download's SHA-256 is ${sha256}, which does not start with ${prefix}, the prefix upstream pins in the file's name; it was removed, nothing was cached`);
  }
  const staging = join(cacheFolder, `.${name}.unpacking-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    let files: Record<string, string>;
    if (archive.format === 'zip') {
      files = await unzip(part, staging);
    } else {
      const file = Object.keys(archive.files)[0] as string;
      renameSync(part, join(staging, file));
      files = { [file]: file };
    }
    const missing = Object.keys(archive.files).filter((f) => files[f] === undefined);
    if (missing.length === Object.keys(archive.files).length) throw new Error(`${url}: the archive holds none of ${name}'s model files (${Object.keys(archive.files).join(', ')}); is it the right archive?`);
    const record: Omit<CachedArchive, 'folder'> = { name, url, sha256, pinned: expected !== undefined || prefix !== undefined, bytes, fetchedAt: new Date().toISOString(), files };
    writeFileSync(join(staging, RECORD), `${JSON.stringify(record, null, 2)}\n`);
    const target = join(cacheFolder, name);
    rmSync(target, { recursive: true, force: true });
    renameSync(staging, target);
    rmSync(part, { force: true });
    return { ...record, folder: target, fetched: true };
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // A download that does not unpack is not resumed from either.
    rmSync(part, { force: true });
    throw error;
  }
}

/** Bytes on disk of a cached archive's files. */
export function cachedBytes(cached: CachedArchive): number {
  return Object.values(cached.files).reduce((sum, path) => sum + statSync(join(cached.folder, path)).size, 0);
}
