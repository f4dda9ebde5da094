// startReviewServer, the API the CLI is built on, on loopback with a real video (ffmpeg) and codings:
// what it serves by id, how it answers bad requests, and what close() saves.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { codingText } from '@gazecoder/formats';
import { tempDir } from '@gazecoder/test-helpers';

import { isLoopback, startReviewServer, type ReviewServer } from '../src';
import type { AgreementInfo, CorrectedInfo, SessionInfo, VideoDetail } from '../src/protocol';

const FRAMES = 30;

describe('startReviewServer', () => {
  const temp = tempDir('review-server');
  const videos = join(temp.path, 'videos');
  const machine = join(temp.path, 'machine');
  const human = join(temp.path, 'human');
  let server: ReviewServer;

  const get = async (path: string) => fetch(new URL(path, server.url));
  const post = async (path: string, body: unknown) => fetch(new URL(path, server.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  beforeAll(async () => {
    for (const dir of [videos, machine, human]) mkdirSync(dir);
    const ffmpeg = spawnSync('ffmpeg', ['-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=s=64x48:r=30:d=1`, '-frames:v', String(FRAMES), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', join(videos, 'clip.mp4')], { encoding: 'utf8' });
    if (ffmpeg.status !== 0) throw new Error(ffmpeg.stderr);
    writeFileSync(join(machine, 'clip.txt'), Array.from({ length: FRAMES }, (_, f) => `${f}, ${f < 4 || f >= 26 ? 'none' : f < 15 ? 'left' : 'right'}, ${f < 4 || f >= 26 ? '-1.00' : '0.80'}\n`).join(''));
    writeFileSync(join(human, 'clip.txt'), codingText(['0,0,left', '600,0,right', '999,0,end']));
    server = await startReviewServer({ source: videos, codings: [machine, human] });
  });

  afterAll(async () => {
    await server?.close();
    temp.cleanup();
  });

  it('tells loopback addresses from others', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.org', '128.0.0.1'].some(isLoopback)).toBe(false);
  });

  it('refuses a non-loopback host without allowRemote before reading anything', async () => {
    await expect(startReviewServer({ source: join(temp.path, 'nothing'), host: '0.0.0.0' })).rejects.toThrow('--host 0.0.0.0: not a loopback address');
    await expect(startReviewServer({ source: videos, port: 70000 })).rejects.toThrow('--port 70000: not a port number');
  });

  it('serves the session and a video by id: timing, tracks as runs, confidence', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{32}\/$/);
    const session = (await (await get('api/session')).json()) as SessionInfo;
    expect(session.videos).toEqual([{ id: 'clip', name: 'clip.mp4', frames: FRAMES, state: 'unreviewed' }]);
    expect(session.defaultFormats).toEqual(['raw_output', 'lookit']);
    const detail = (await (await get('api/videos/clip')).json()) as VideoDetail;
    expect(detail.timing).toEqual({ kind: 'cfr', fps: 30 });
    expect(detail.tracks.map((t) => [t.id, t.kind, t.name])).toEqual([
      ['t0', 'machine', 'machine: machine/clip.txt'],
      ['t1', 'human', 'human: human/clip.txt'],
      ['corrected', 'corrected', 'corrected'],
    ]);
    expect(detail.tracks[0]!.runs).toEqual({ starts: [0, 4, 15, 26], labels: [-3, 1, 2, -3] });
    expect(detail.tracks[1]!.runs).toEqual({ starts: [0, 18], labels: [1, 2] });
    expect(detail.tracks[2]!.runs).toEqual(detail.tracks[0]!.runs);
    expect(Buffer.from(detail.confidence as string, 'base64')).toEqual(Buffer.from(Array.from({ length: FRAMES }, (_, f) => (f < 4 || f >= 26 ? 255 : 200))));
    const agreement = (await (await get('api/videos/clip/agreement?a=t1&b=t0')).json()) as AgreementInfo;
    // frames 4–25 are mutually valid; 15–17 differ (the machine looks right 3 frames earlier)
    expect(agreement.mutuallyValidFrames).toBe(22);
    expect(agreement.percentAgreement).toBeCloseTo(19 / 22, 12);
  });

  it('answers bad requests with 4xx and a reason', async () => {
    const cases: Array<[Promise<Response>, number, RegExp]> = [
      [get('api/videos/nope'), 404, /no video 'nope'/],
      [get('api/videos/clip/agreement?a=t1&b=t9'), 404, /no track 't9'/],
      [get('api/videos/clip/agreement?a=t1'), 400, /two tracks/],
      [post('api/videos/clip/edits', { start: 1 }), 400, /'type' must be/],
      [post('api/videos/clip/edits', { type: 'set', start: 1, end: 2 }), 400, /'label' must be an integer/],
      [post('api/videos/clip/edits', { type: 'set', start: 1, end: 99, label: 1 }), 409, /not a range/],
      [post('api/videos/clip/edits', { type: 'set', start: 1, end: 2, label: -2 }), 409, /cannot be set/],
      [post('api/videos/clip/edits', { type: 'redo' }), 409, /nothing to redo/],
      [post('api/videos/clip/edits', { type: 'state', state: 'finished' }), 400, /'state' must be/],
      [post('api/videos/clip/save', { formats: [] }), 400, /non-empty list/],
      [post('api/videos/clip/save', { formats: ['pdf'] }), 400, /non-empty list/],
      [get('api/nothing'), 404, /not found/],
    ];
    for (const [response, status, message] of cases) {
      const answer = await response;
      expect(answer.status).toBe(status);
      expect(((await answer.json()) as { error: string }).error).toMatch(message);
    }
  });

  it('edits, saves in the chosen formats, and saves what is unsaved on close()', async () => {
    const edited = (await (await post('api/videos/clip/edits', { type: 'set', start: 15, end: 18, label: 1 })).json()) as CorrectedInfo;
    expect(edited.runs).toEqual({ starts: [0, 4, 18, 26], labels: [-3, 1, 2, -3] });
    expect(edited).toMatchObject({ canUndo: true, canRedo: false, state: 'in progress', unsaved: true });
    const agreement = (await (await get('api/videos/clip/agreement?a=t1&b=corrected')).json()) as AgreementInfo;
    expect(agreement.percentAgreement).toBe(1);
    const saved = (await (await post('api/videos/clip/save', { formats: ['compressed'] })).json()) as { written: string[] };
    expect(saved.written).toEqual([join(machine, 'reviewed', 'compressed', 'clip.npz')]);
    expect(await server.close()).toEqual([]);
    server = await startReviewServer({ source: join(videos, 'clip.mp4'), codings: [machine], formats: ['ui'] });
    expect(((await (await post('api/videos/clip/edits', { type: 'undo' })).json()) as CorrectedInfo).canRedo).toBe(true);
    expect(await server.close()).toEqual([join(machine, 'reviewed', 'ui', 'clip', 'labels.txt')]);
    expect(existsSync(join(machine, 'reviewed', 'ui', 'clip', 'labels.txt'))).toBe(true);
  });

  it('reads a Datavyu VCX coding as a human track', async () => {
    await server.close();
    const vcxDir = join(temp.path, 'vcx');
    mkdirSync(vcxDir);
    const response = (index: number, frame: number, status: boolean, type: string) =>
      `<key>Response ${index}</key><dict><key>Frame</key><integer>${frame}</integer><key>Hour</key><integer>0</integer><key>Minute</key><integer>0</integer><key>Second</key><integer>0</integer><key>Trial Status</key>${status ? '<true/>' : '<false/>'}<key>Type</key><string>${type}</string></dict>`;
    writeFileSync(
      join(vcxDir, 'clip.vcx'),
      `<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict><key>Responses</key><dict>${response(1, 4, true, 'left')}${response(2, 20, true, 'right')}${response(3, 29, false, 'away')}</dict></dict></plist>`,
    );
    server = await startReviewServer({ source: videos, codings: [vcxDir] });
    const detail = (await (await get('api/videos/clip')).json()) as VideoDetail;
    expect(detail.tracks.map((t) => [t.id, t.kind, t.name])).toEqual([
      ['t0', 'human', 'human: vcx/clip.vcx'],
      ['corrected', 'corrected', 'corrected'],
    ]);
    expect(detail.tracks[0]!.runs).toEqual({ starts: [0, 4, 20, 29], labels: [-3, 1, 2, -3] });
    expect(detail.confidence).toBeNull();
  });

  it('reads its own saved files back as codings: compressed and ui as machine, Lookit as human', async () => {
    const reviewed = join(machine, 'reviewed');
    await server.close();
    server = await startReviewServer({ source: videos, codings: [machine] });
    await post('api/videos/clip/save', { formats: ['lookit'] });
    await server.close();
    server = await startReviewServer({ source: videos, codings: [join(reviewed, 'compressed'), join(reviewed, 'ui'), join(reviewed, 'lookit')] });
    const detail = (await (await get('api/videos/clip')).json()) as VideoDetail;
    expect(detail.tracks.map((t) => [t.kind, t.name])).toEqual([
      ['machine', 'machine: compressed/clip.npz'],
      ['machine', 'machine: clip/labels.txt'],
      ['human', 'human: lookit/clip.txt'],
      ['corrected', 'corrected'],
    ]);
    // compressed: after the edit (15–17 left); ui and lookit: after its undo (as the machine)
    expect(detail.tracks[0]!.runs).toEqual({ starts: [0, 4, 18, 26], labels: [-3, 1, 2, -3] });
    expect(detail.tracks[1]!.runs).toEqual({ starts: [0, 4, 15, 26], labels: [-3, 1, 2, -3] });
    expect(detail.tracks[2]!.runs).toEqual(detail.tracks[1]!.runs);
  });
});
