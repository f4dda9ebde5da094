// `gazecoder annotate - --output-format jsonl` (and a URL, or any video with jsonl): one JSON line
// per frame on stdout, written as soon as the frame's answer is final; the summary goes to stderr.
import { performance } from 'node:perf_hooks';

import { annotateStream, type StreamOptions } from '@gazecoder/annotate';

const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** `-` (stdin) or a URL: a source read as a stream. */
export function isStreamSource(source: string): boolean {
  return source === '-' || URL_LIKE.test(source);
}

/**
 * Writes `line` (stdout on a pipe or a file writes synchronously on Linux: each frame leaves before
 * the next); waits for 'drain' when a slow reader makes it buffer, and for nothing once it has gone.
 */
async function writeLine(line: string, stop: AbortSignal): Promise<void> {
  if (stop.aborted || process.stdout.write(line)) return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      process.stdout.off('drain', done);
      stop.removeEventListener('abort', done);
      resolve();
    };
    process.stdout.on('drain', done);
    stop.addEventListener('abort', done);
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
      await writeLine(`${JSON.stringify(answer)}\n`, controller.signal);
      if (controller.signal.aborted) break;
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
