// One file over HTTP(S) into `part`, resumable: bytes already in `part` are asked for no more
// (a Range request); a server that ignores the range sends the whole file again and `part` starts
// over. A dropped connection leaves `part` as it got, for the next try to resume.
import { createWriteStream, existsSync, statSync, truncateSync } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface DownloadProgress {
  /** bytes in `part` now */
  bytes: number;
  /** the file's size, when the server says */
  total: number | null;
  /** bytes that were there before this download began (resumed from) */
  resumedFrom: number;
}

export interface DownloadOptions {
  onProgress?: (progress: DownloadProgress) => void;
  signal?: AbortSignal;
}

/** What a failed download says: the URL, the problem, and that a rerun resumes. */
export class DownloadError extends Error {
  constructor(url: string, problem: string, kept: number) {
    super(`${url}: ${problem}${kept > 0 ? ` (the ${kept} bytes received are kept: run the command again to resume)` : ''}`);
    this.name = 'DownloadError';
  }
}

/** Downloads `url` into `part` (resuming what is there); resolves with its final size. */
export async function downloadResumable(url: string, part: string, options: DownloadOptions = {}): Promise<number> {
  let have = existsSync(part) ? statSync(part).size : 0;
  let response: Response;
  try {
    response = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {}, signal: options.signal ?? null, redirect: 'follow' });
  } catch (error) {
    options.signal?.throwIfAborted();
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    throw new DownloadError(url, `cannot connect: ${cause ?? (error as Error).message}`, have);
  }
  if (response.status === 416 && have > 0) {
    // The range starts at or past the end: what is there may be the whole file, or stale. Start over.
    await response.body?.cancel();
    truncateSync(part, 0);
    return downloadResumable(url, part, options);
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel();
    throw new DownloadError(url, `the server answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`, have);
  }
  if (response.status === 200 && have > 0) {
    // The range was not honoured: the body is the whole file.
    truncateSync(part, 0);
    have = 0;
  }
  const length = Number(response.headers.get('content-length') ?? NaN);
  const total = Number.isFinite(length) ? have + length : null;
  const resumedFrom = have;
  let bytes = have;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      options.onProgress?.({ bytes, total, resumedFrom });
      done(null, chunk);
    },
  });
  if (!response.body) throw new DownloadError(url, 'the server sent no body', have);
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), count, createWriteStream(part, { flags: 'a' }), options.signal ? { signal: options.signal } : {});
  } catch (error) {
    options.signal?.throwIfAborted();
    throw new DownloadError(url, `the download broke off after ${bytes}${total !== null ? ` of ${total}` : ''} bytes: ${(error as Error).message}`, bytes);
  }
  if (total !== null && bytes !== total) throw new DownloadError(url, `the download ended after ${bytes} of ${total} bytes`, bytes);
  return bytes;
}
