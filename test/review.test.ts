// `gazecoder review` end to end in real Chromium (Debian's, driven by playwright-core) against the
// real server started as the README says: two ffmpeg videos whose frames carry their index as a
// barcode (one at 30 fps, one whose rate drops to 15 fps halfway), a machine coding (raw_output) and a
// human one (Lookit text). Frame stepping shows the frame it says it shows, at either rate; the jumps
// land on the low-confidence frames and the first disagreement; a range is edited, undone, redone,
// saved and found again after a reload; `gazecoder eval` on the saved files gives the agreement the
// edit implies, and the page's agreement is eval's. Screenshots go to the test's folder (and to
// $GAZECODER_REVIEW_SCREENSHOT when set: docs/images/review.png is made so).
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { Page } from 'playwright-core';

import { CHROMIUM, classesShown, classRuns, frameDisplayed, frameShown, launchChromium, makeVideo, startReview, waitReady, writeLookit, writeRawOutput, type RunningReview } from './helpers/review';
import { gazecoderAsync, tempDir } from './helpers/run';

const FRAMES = 120;
const VFR_FRAMES = 150;
const VFR_FROM = 60;
// The machine: left, right from frame 50, away from 90; none on its first and last 4 frames (annotate's edges).
const MACHINE = classRuns([[0, 'none'], [4, 'left'], [50, 'right'], [90, 'away'], [116, 'none']], FRAMES);
const LOW = new Map([[20, 0.3], [70, 0.45]]);
const CONFIDENCE = MACHINE.map((c, f) => (c === 'none' ? -1 : (LOW.get(f) ?? 0.95)));
// The human coder sees the look right start 5 frames later (55): frames 50–54 are the disagreement.
const HUMAN: Array<[number, string]> = [[0, 'left'], [55, 'right'], [90, 'away']];

describe('gazecoder review in Chromium', () => {
  const temp = tempDir('review-e2e');
  const videos = join(temp.path, 'videos');
  const machine = join(temp.path, 'codings');
  const humans = join(temp.path, 'humans');
  const shots = join(temp.path, 'screenshots');
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let review: RunningReview;
  let page: Page;
  const problems: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (scripts/setup.sh does)`);
    for (const dir of [videos, machine, humans, shots]) mkdirSync(dir, { recursive: true });
    makeVideo(join(videos, 'alpha.mp4'), { frames: FRAMES });
    makeVideo(join(videos, 'beta.mp4'), { frames: VFR_FRAMES, vfrFrom: VFR_FROM });
    writeRawOutput(join(machine, 'alpha.txt'), MACHINE, CONFIDENCE);
    writeRawOutput(join(machine, 'beta.txt'), classRuns([[0, 'none'], [4, 'away'], [146, 'none']], VFR_FRAMES), new Array<number>(VFR_FRAMES).fill(0.9));
    writeLookit(join(humans, 'alpha.txt'), HUMAN, FRAMES);
    review = await startReview([videos, '--codings', machine, '--codings', humans]);
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await review?.stop('SIGTERM');
    temp.cleanup();
  });

  const press = async (key: string, times = 1) => {
    for (let i = 0; i < times; i += 1) await page.keyboard.press(key);
  };
  const agreementShown = async () => Number(await page.getAttribute('#agreement-value', 'data-agreement'));

  it('opens the first video with every track, and steps frame by frame onto the frame it shows', async () => {
    await page.goto(review.url);
    await waitReady(page);
    expect(await page.$$eval('#videos li', (items) => items.map((i) => [i.getAttribute('data-id'), i.getAttribute('data-state')]))).toEqual([
      ['alpha', 'unreviewed'],
      ['beta', 'unreviewed'],
    ]);
    expect(await page.$$eval('#frame-classes tr', (rows) => rows.map((r) => ((r as HTMLTableRowElement).cells[0] as HTMLTableCellElement).textContent))).toEqual(['machine: codings/alpha.txt', 'human: humans/alpha.txt', 'corrected']);
    expect(await frameDisplayed(page)).toBe(0);
    expect(await frameShown(page)).toBe(0);
    await press('ArrowRight', 5);
    expect(await frameDisplayed(page)).toBe(5);
    expect(await frameShown(page)).toBe(5);
    expect(await classesShown(page)).toEqual({ t0: 'left', t1: 'left', corrected: 'left' });
    expect(await page.textContent('#frame-classes tr[data-track="t0"] td.class')).toBe('left 0.95');
    await press('ArrowLeft', 2);
    expect([await frameDisplayed(page), await frameShown(page)]).toEqual([3, 3]);
    expect(await classesShown(page)).toEqual({ t0: 'none', t1: 'left', corrected: 'none' });
    await page.screenshot({ path: join(shots, '1-opened.png') });
  });

  it('jumps to the next frame below the confidence threshold, and to the next disagreement of A and B', async () => {
    await page.click('#next-low');
    expect([await frameDisplayed(page), await frameShown(page)]).toEqual([20, 20]);
    expect(await page.textContent('#frame-classes tr[data-track="t0"] td.class')).toBe('left 0.30');
    await press('c');
    expect(await frameDisplayed(page)).toBe(70);
    // a lower threshold passes over 0.45
    await page.fill('#goto', '0');
    await page.press('#goto', 'Enter');
    await page.$eval('#threshold', (el) => {
      (el as HTMLInputElement).value = '0.4';
      el.dispatchEvent(new Event('input'));
    });
    await page.click('#next-low');
    expect(await frameDisplayed(page)).toBe(20);
    await press('c');
    expect(await frameDisplayed(page)).toBe(20);
    expect(await page.textContent('#status')).toContain('below 0.40');
    // A = the human, B = the machine by default
    expect([await page.inputValue('#track-a'), await page.inputValue('#track-b')]).toEqual(['t1', 't0']);
    await page.click('#next-disagreement');
    expect([await frameDisplayed(page), await frameShown(page)]).toEqual([50, 50]);
    expect(await classesShown(page)).toEqual({ t0: 'right', t1: 'left', corrected: 'right' });
    expect(await agreementShown()).toBeCloseTo(107 / 112, 12);
  });

  it('edits a range, undoes and redoes it, saves, and finds the edit after a reload', async () => {
    await press('Shift+ArrowRight', 4);
    expect(await page.textContent('#selection-info')).toContain('selected frames 50–54 (5)');
    await press('l');
    await page.waitForFunction(() => document.querySelector('#frame-classes tr[data-track="corrected"] td.class')?.getAttribute('data-class') === 'left');
    expect(await frameDisplayed(page)).toBe(54);
    await page.screenshot({ path: join(shots, '2-edited.png'), clip: { x: 0, y: 0, width: 1360, height: 600 } });
    if (process.env.GAZECODER_REVIEW_SCREENSHOT) copyFileSync(join(shots, '2-edited.png'), process.env.GAZECODER_REVIEW_SCREENSHOT);
    await press('Control+z');
    await page.waitForFunction(() => document.querySelector('#frame-classes tr[data-track="corrected"] td.class')?.getAttribute('data-class') === 'right');
    await press('Control+y');
    await page.waitForFunction(() => document.querySelector('#frame-classes tr[data-track="corrected"] td.class')?.getAttribute('data-class') === 'left');
    expect(await page.getAttribute('#videos li[data-id="alpha"]', 'data-state')).toBe('in progress');
    // the human against the corrected track: the disagreement is gone
    await page.selectOption('#track-b', 'corrected');
    await page.waitForFunction(() => document.getElementById('agreement-value')?.getAttribute('data-agreement') === '1');
    await press('Control+s');
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('saved'));
    const saved = { raw: join(machine, 'reviewed', 'raw_output', 'alpha.txt'), lookit: join(machine, 'reviewed', 'lookit', 'alpha.txt') };
    expect(existsSync(saved.raw) && existsSync(saved.lookit)).toBe(true);
    expect(readFileSync(join(machine, 'alpha.txt'), 'utf8')).toBe(MACHINE.map((c, f) => `${f}, ${c}, ${(CONFIDENCE[f] as number).toFixed(2)}\n`).join(''));
    const lines = readFileSync(saved.raw, 'utf8').trim().split('\n');
    expect(lines.slice(49, 56)).toEqual(['49, left, 0.95', '50, left, 1.00', '51, left, 1.00', '52, left, 1.00', '53, left, 1.00', '54, left, 1.00', '55, right, 0.95']);

    await page.waitForFunction(() => location.hash === '#v=alpha&f=54');
    await page.reload();
    await waitReady(page);
    expect([await frameDisplayed(page), await frameShown(page)]).toEqual([54, 54]);
    await page.fill('#goto', '50');
    await page.press('#goto', 'Enter');
    expect(await classesShown(page)).toEqual({ t0: 'right', t1: 'left', corrected: 'left' });
    expect(await page.getAttribute('#videos li[data-id="alpha"]', 'data-state')).toBe('in progress');
    await page.click('#done');
    await page.waitForSelector('#videos li[data-id="alpha"][data-state="done"]');
  });

  it('eval on the saved files gives the agreement the edit implies, and the page showed eval’s numbers', async () => {
    // the machine before review: 107 of the 112 mutually valid frames (4…115) agree with the human
    const before = await gazecoderAsync(['eval', '--human1', humans, '--machine', machine, '--json', join(temp.path, 'before.json')]);
    expect(before.code).toBe(0);
    const beforeJson = JSON.parse(readFileSync(join(temp.path, 'before.json'), 'utf8')) as { videos: Array<{ id: string; humanMachine: { session: { percentAgreement: number; cohensKappa: number } } }> };
    expect(beforeJson.videos.map((v) => v.id)).toEqual(['alpha']);
    const session = beforeJson.videos[0]!.humanMachine.session;
    expect(session.percentAgreement).toBeCloseTo(107 / 112, 12);
    await page.selectOption('#track-b', 't0');
    await page.waitForFunction((x) => document.getElementById('agreement-value')?.getAttribute('data-agreement') === String(x), session.percentAgreement);
    expect(Number(await page.getAttribute('#agreement-value', 'data-kappa'))).toBe(session.cohensKappa);
    // the reviewed raw_output as the machine: every frame agrees
    const after = await gazecoderAsync(['eval', '--human1', humans, '--machine', join(machine, 'reviewed', 'raw_output')]);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/percent agreement\s+1\.000 \[1\.000, 1\.000\]/);
    expect(after.stdout).toMatch(/Cohen's kappa\s+1\.000 \[1\.000, 1\.000\]/);
    // the reviewed Lookit text as a human coding: against the original machine, the 5 edited frames differ again
    const asHuman = await gazecoderAsync(['eval', '--human1', join(machine, 'reviewed', 'lookit'), '--machine', machine, '--json', join(temp.path, 'lookit.json')]);
    expect(asHuman.code).toBe(0);
    const lookitJson = JSON.parse(readFileSync(join(temp.path, 'lookit.json'), 'utf8')) as typeof beforeJson;
    expect(lookitJson.videos[0]!.humanMachine.session.percentAgreement).toBeCloseTo(107 / 112, 12);
  });

  it('steps a variable-frame-rate video onto the frame it shows, across the change of rate', async () => {
    await page.click('#videos li[data-id="beta"]');
    await waitReady(page);
    expect(await page.textContent('#status')).toContain('variable frame rate');
    for (let f = 0; f < VFR_FROM + 12; f += 1) {
      expect([f, await frameDisplayed(page), await frameShown(page)]).toEqual([f, f, f]);
      await press('ArrowRight');
    }
    await page.fill('#goto', String(VFR_FRAMES - 1));
    await page.press('#goto', 'Enter');
    expect([await frameDisplayed(page), await frameShown(page)]).toEqual([VFR_FRAMES - 1, VFR_FRAMES - 1]);
    expect(await page.textContent('#frame-time')).toBe(`${(VFR_FROM / 30 + (VFR_FRAMES - 1 - VFR_FROM) / 15).toFixed(3)} s`);
    // play at 2× for a while, pause: the page's frame is the one shown, and stepping goes on from it
    await page.fill('#goto', '10');
    await page.press('#goto', 'Enter');
    await page.selectOption('#speed', '2');
    await page.click('#play');
    await page.waitForTimeout(800);
    await page.click('#play');
    await press('ArrowRight');
    const f = await frameDisplayed(page);
    expect(f).toBeGreaterThan(12);
    expect(await frameShown(page)).toBe(f);
    await page.screenshot({ path: join(shots, '3-vfr.png') });
  });

  it('stops on Ctrl-C with the page still open and playing, after saving', async () => {
    await page.click('#play');
    await page.waitForFunction(() => !(document.getElementById('video') as HTMLVideoElement).paused);
    const started = Date.now();
    // Ctrl-C reaches npx's process group; npx itself dies of it, the gazecoder process under it saves and ends
    await review.stop('SIGINT');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(review.stderr()).toContain('gazecoder review: SIGINT, saving…');
    expect(review.stdout()).toContain('nothing to save'); // alpha was saved, beta never edited
    await expect(fetch(review.url)).rejects.toThrow();
  });

  it('logged no error and asked nothing of another host', () => {
    expect(problems).toEqual([]);
    const origin = new URL(review.url).origin;
    expect(requests.filter((u) => !u.startsWith(origin))).toEqual([]);
  });
});
