// `gazecoder review` on a 30-minute video (54,000 frames at 30 fps; made by ffmpeg at low resolution)
// with a machine and a human coding of every frame: the page opens in under 2 s, holds no element per
// frame (timelines are canvases drawn from runs), and stepping and scrubbing redraw within a 60 Hz frame.
import { mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

import { launchChromium, startReview, waitReady, writeLookit, writeRawOutput, type RunningReview } from './helpers/review';
import { tempDir } from './helpers/run';

const FPS = 30;
const FRAMES = 30 * 60 * FPS;

/** A seeded coding of 54,000 frames: looks of 0.5–5 s, now and then no face, confidences 0.3–1. */
function syntheticCodings(): { machine: string[]; confidence: number[]; human: Array<[number, string]> } {
  let seed = 17;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const machine: string[] = [];
  const human: Array<[number, string]> = [];
  const classes = ['left', 'right', 'away'];
  while (machine.length < FRAMES) {
    const name = random() < 0.05 ? 'noface' : (classes[Math.floor(random() * 3)] as string);
    const length = 15 + Math.floor(random() * 135);
    const start = machine.length;
    if (name !== 'noface') human.push([Math.min(FRAMES - 1, start + Math.floor(random() * 5)), name]);
    for (let i = 0; i < length && machine.length < FRAMES; i += 1) machine.push(name);
  }
  for (let f = 0; f < 4; f += 1) machine[f] = 'none';
  for (let f = FRAMES - 4; f < FRAMES; f += 1) machine[f] = 'none';
  const confidence = machine.map((c) => (c === 'none' || c === 'noface' ? -1 : 0.3 + 0.7 * random()));
  return { machine, confidence, human: human.filter(([f], i) => i === 0 || f > (human[i - 1] as [number, string])[0]) };
}

describe('gazecoder review on a 30-minute video', () => {
  const temp = tempDir('review-large');
  const videos = join(temp.path, 'videos');
  const codings = join(temp.path, 'codings');
  const humans = join(temp.path, 'humans');
  let review: RunningReview;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let startupMs = 0;

  beforeAll(async () => {
    for (const dir of [videos, codings, humans]) mkdirSync(dir);
    const ffmpeg = spawnSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=s=160x120:r=${FPS}:d=${FRAMES / FPS}`, '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '40', '-g', '300', '-pix_fmt', 'yuv420p', join(videos, 'long.mp4')], { encoding: 'utf8' });
    if (ffmpeg.status !== 0) throw new Error(`ffmpeg failed: ${ffmpeg.stderr}`);
    const { machine, confidence, human } = syntheticCodings();
    writeRawOutput(join(codings, 'long.txt'), machine, confidence);
    writeLookit(join(humans, 'long.txt'), human, FRAMES);
    const started = Date.now();
    review = await startReview([videos, '--codings', codings, '--codings', humans]);
    startupMs = Date.now() - started;
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await review?.stop('SIGTERM');
    temp.cleanup();
  });

  it('opens in under 2 s with every track, and no element per frame', async () => {
    // the first visit (nothing cached), then a fresh tab
    const open = async () => {
      const page = await browser.context.newPage();
      const started = Date.now();
      await page.goto(`${review.url}#v=long&f=0`);
      await waitReady(page);
      return { page, ms: Date.now() - started };
    };
    const first = await open();
    await first.page.close();
    const { page: fresh, ms: openMs } = await open();
    process.stdout.write(`review of a 30-min video: server started in ${startupMs} ms, page opened in ${first.ms} ms (first visit), ${openMs} ms (again)\n`);
    expect(first.ms).toBeLessThan(2000);
    expect(openMs).toBeLessThan(2000);
    expect(await fresh.textContent('#frame-count')).toBe(String(FRAMES - 1));
    expect(await fresh.$$eval('#frame-classes tr', (rows) => rows.length)).toBe(3);
    expect(await fresh.evaluate(() => document.getElementsByTagName('*').length)).toBeLessThan(300);
    await fresh.close();
  });

  it('steps and scrubs with each redraw inside a 60 Hz frame', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${review.url}#v=long&f=27000`);
    await waitReady(page);
    const draws: number[] = [];
    for (let i = 0; i < 30; i += 1) {
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction(() => document.body.dataset.seek === 'done');
      draws.push(Number(await page.getAttribute('body', 'data-draw-ms')));
    }
    expect(await page.textContent('#frame-number')).toBe('27030');
    // drag across the whole-video timeline: the playhead follows, one seek per animation frame
    const box = (await page.locator('#overview').boundingBox())!;
    await page.mouse.move(box.x + 200, box.y + box.height / 2);
    await page.mouse.down();
    for (let x = 200; x < box.width - 10; x += 40) {
      await page.mouse.move(box.x + x, box.y + box.height / 2);
      draws.push(Number(await page.getAttribute('body', 'data-draw-ms')));
    }
    await page.mouse.up();
    expect(Number(await page.textContent('#frame-number'))).toBeGreaterThan(50000);
    process.stdout.write(`timeline redraws: median ${draws.sort((a, b) => a - b)[draws.length >> 1]} ms, max ${draws[draws.length - 1]} ms\n`);
    expect(Math.max(...draws)).toBeLessThan(16);
    await page.close();
  });
});
