// What the `gazecoder review` tests share: videos made by ffmpeg whose frames carry their own index
// as a barcode (so a test can read which frame the browser really shows), coding files written as
// annotate and a human coder would, the CLI started as a user starts it, and Debian's Chromium.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { codingText, frameStartMs, trialEndMs } from '@gazecoder/formats';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

import { GAZECODER_BIN } from './run';

export const CHROMIUM = '/usr/bin/chromium';

/** Bits of the frame-index barcode across the top of each frame (32 px each, 320 px wide). */
const BITS = 10;

export interface VideoSpec {
  frames: number;
  /** frames from which on the rate halves (30 → 15 fps): a variable-frame-rate video */
  vfrFrom?: number;
  width?: number;
  height?: number;
}

/**
 * An H.264 MP4 of testsrc2 at 30 fps (or variable: 15 fps from `vfrFrom` on), each frame's index
 * written as a white/black barcode in its top 24 rows (bit k in columns 32k…32k+31).
 */
export function makeVideo(path: string, spec: VideoSpec): void {
  const seconds = spec.frames / 30 + 1;
  const setpts = spec.vfrFrom === undefined ? 'setpts=N/30/TB' : `setpts='if(lt(N,${spec.vfrFrom}),N/30,${spec.vfrFrom / 30}+(N-${spec.vfrFrom})/15)/TB'`;
  const run = spawnSync(
    'ffmpeg',
    [
      '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `testsrc2=s=320x240:r=30:d=${seconds}`,
      '-f', 'lavfi', '-i', `color=c=black:s=320x24:r=30:d=${seconds}`,
      '-filter_complex', `[1:v]geq=lum='if(mod(floor(N/pow(2,floor(X/32))),2),235,16)':cb=128:cr=128[bar];[0:v][bar]overlay=0:0:shortest=1,${setpts}[v]`,
      '-map', '[v]', '-frames:v', String(spec.frames), '-fps_mode', spec.vfrFrom === undefined ? 'cfr' : 'vfr',
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', path,
    ],
    { encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(`ffmpeg failed: ${run.stderr}`);
}

/** A machine coding in iCatcher+'s raw_output format: `frame, class, confidence` lines. */
export function writeRawOutput(path: string, classes: readonly string[], confidences: readonly number[]): void {
  writeFileSync(path, classes.map((c, f) => `${f}, ${c}, ${(confidences[f] as number).toFixed(2)}\n`).join(''));
}

/** A human Lookit coding at 30 fps: an onset at each [frame, class] and one trial ending after `frames`. */
export function writeLookit(path: string, onsets: ReadonlyArray<readonly [number, string]>, frames: number): void {
  writeFileSync(path, codingText([...onsets.map(([f, c]) => `${frameStartMs(f, 30)},0,${c}`), `${trialEndMs(frames, 30)},0,end`]));
}

/** Per-frame class names from runs [[firstFrame, class], …] over `frames` frames. */
export function classRuns(runs: ReadonlyArray<readonly [number, string]>, frames: number): string[] {
  const out: string[] = [];
  runs.forEach(([start, name], i) => {
    const end = runs[i + 1]?.[0] ?? frames;
    for (let f = start; f < end; f += 1) out.push(name);
  });
  return out;
}

export interface RunningReview {
  url: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Sends `signal` and resolves with the exit code once the process has ended. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

/**
 * `gazecoder review …` as the README runs it (`npx gazecoder review`), or the linked bin itself when
 * the test signals the process (npx would stand between); resolves once it printed its URL.
 */
export function startReview(args: readonly string[], options: { direct?: boolean } = {}): Promise<RunningReview> {
  // npx runs the bin through a shell that does not pass signals on: the process group gets them.
  const child = options.direct
    ? spawn(GAZECODER_BIN, ['review', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('npx', ['gazecoder', 'review', ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /open (http:\/\/\S+)/.exec(out)?.[1];
      if (url) {
        resolve({
          url,
          child,
          stdout: () => out,
          stderr: () => err,
          stop: (signal = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) {
              if (options.direct) child.kill(signal);
              else process.kill(-(child.pid as number), signal);
            }
            return exited;
          },
        });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => (err += chunk.toString()));
    void exited.then((code) => reject(new Error(`gazecoder review exited (${code}) before printing its URL: ${err}`)));
  });
}

/** Debian's Chromium, headless, with a fresh profile (in a temporary folder, removed on close). */
export async function launchChromium(viewport = { width: 1360, height: 860 }): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'gazecoder-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Waits until the page has opened its video (timelines drawn, the video's metadata loaded). */
export async function waitReady(page: Page): Promise<void> {
  await page.waitForSelector('body[data-ready="1"]', { timeout: 30_000 });
}

/** The frame index the <video> shows now, read from its barcode once the page's seek has finished. */
export async function frameShown(page: Page): Promise<number> {
  await page.waitForFunction(() => {
    const v = document.getElementById('video') as HTMLVideoElement;
    return document.body.dataset.seek !== 'pending' && !v.seeking && v.readyState >= 2;
  });
  return page.evaluate((bits) => {
    const v = document.getElementById('video') as HTMLVideoElement;
    const canvas = document.createElement('canvas');
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D;
    ctx.drawImage(v, 0, 0);
    let n = 0;
    for (let k = 0; k < bits; k += 1) if ((ctx.getImageData(32 * k + 16, 12, 1, 1).data[0] as number) > 128) n += 2 ** k;
    return n;
  }, BITS);
}

/** The frame number the page displays. */
export async function frameDisplayed(page: Page): Promise<number> {
  return Number(await page.textContent('#frame-number'));
}

/** The class each track shows at the current frame, by track id. */
export async function classesShown(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => Object.fromEntries(Array.from(document.querySelectorAll<HTMLTableRowElement>('#frame-classes tr')).map((row) => [row.dataset.track as string, (row.cells[1] as HTMLTableCellElement).dataset.class as string])));
}
