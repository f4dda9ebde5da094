// `gazecoder annotate - --output-format jsonl` (and a URL, or any video with jsonl): one JSON line
// per frame on stdout, written as soon as the frame's answer is final; the summary goes to stderr.
import { performance } from 'node:perf_hooks';

import { annotateStream, type StreamOptions } from '@gazecoder/annotate';
import { webcamIndex } from '@gazecoder/preprocess';

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** `-` (stdin), a URL or a camera (`webcam[:N]`): a source read as a stream. */
export function isStreamSource(source: string): boolean {
  return source === '-' || URL_LIKE.test(source) || webcamIndex(source) !== undefined;
}

/**
 * Writes `line` (stdout on a pipe or a file writes synchronously on Linux: each frame leaves before
 * the next); waits for 'drain' when a slow reader makes it buffer. Resolves false once stdout has
 * gone (a closed pipe), or when `stop` is aborted.
 */
async function writeLine(line: string, stop: AbortSignal): Promise<boolean> {
  const out = process.stdout;
  if (stop.aborted || out.destroyed) return false;
  if (out.write(line)) return true;
  // A failed write (EPIPE) destroys stdout, sometimes at once: then there is nothing to wait for.
  if (stop.aborted || out.destroyed) return false;
  return new Promise<boolean>((resolve) => {
    const done = (ok: boolean) => (): void => {
      out.off('drain', drained);
      out.off('close', gone);
      out.off('error', gone);
      stop.removeEventListener('abort', gone);
      resolve(ok && !stop.aborted);
    };
    const drained = done(true);
    const gone = done(false);
    out.on('drain', drained);
    out.on('close', gone);
    out.on('error', gone);
    stop.addEventListener('abort', gone);
  });
}

export async function runAnnotateStream(source: string, options: StreamOptions): Promise<void> {
  const controller = new AbortController();
  // Ctrl-C stops cleanly: the source is closed and what was written stays.
  const interrupt = (): void => controller.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  // The reader went away (`| head`): stop as for Ctrl-C.
  const closed = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') controller.abort();
  };
  process.stdout.on('error', closed);
  const start = performance.now();
  let frames = 0;
  try {
    for await (const answer of annotateStream(source, options, { signal: controller.signal })) {
      if (!(await writeLine(`${JSON.stringify(answer)}\n`, controller.signal))) {
        controller.abort();
        break;
      }
      frames += 1;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') controller.abort();
    else if (!controller.signal.aborted) throw error;
  } finally {
    process.off('SIGINT', interrupt);
    // Kept: a late EPIPE must not become an uncaught error.
    process.stdout.on('error', () => {});
    process.stdout.off('error', closed);
    process.off('SIGTERM', interrupt);
  }
  const seconds = (performance.now() - start) / 1000;
  process.stderr.write(`${source === '-' ? 'stdin' : source}: ${frames} frames coded in ${seconds.toFixed(1)} s (${(frames / seconds).toFixed(1)} frames/s)${controller.signal.aborted ? ', stopped' : ''}\n`);
}
