// `gazecoder review`'s refusals, against the real server started as a user starts it: no request
// without the URL's token gets anything; no path a client sends reaches the file system (`../`,
// absolute, percent-encoded, a real file's path as an id); a foreign Host is refused on loopback; a
// non-loopback --host needs --allow-remote; bad input stops it with one clear error and nothing written.
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';

import { classRuns, makeVideo, startReview, writeLookit, writeRawOutput, type RunningReview } from './helpers/review';
import { gazecoderAsync, tempDir } from './helpers/run';

/** A GET with the path sent exactly as given (no client-side normalisation of `..` or `%2F`). */
function rawGet(port: number, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString('latin1')));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('gazecoder review refuses', () => {
  const temp = tempDir('review-security');
  const videos = join(temp.path, 'videos');
  const codings = join(temp.path, 'codings');
  const secret = join(temp.path, 'secret.txt');
  let review: RunningReview;
  let port: number;
  let token: string;

  beforeAll(async () => {
    mkdirSync(videos);
    mkdirSync(codings);
    makeVideo(join(videos, 'clip.mp4'), { frames: 30 });
    writeRawOutput(join(codings, 'clip.txt'), classRuns([[0, 'none'], [4, 'left'], [26, 'none']], 30), new Array<number>(30).fill(0.9));
    writeFileSync(secret, 'TOP SECRET\n');
    review = await startReview([videos, '--codings', codings]);
    const url = new URL(review.url);
    port = Number(url.port);
    token = url.pathname.split('/')[1] as string;
    expect(url.hostname).toBe('127.0.0.1');
  });

  afterAll(async () => {
    await review?.stop('SIGTERM');
    temp.cleanup();
  });

  it('serves the page and the API under the token', async () => {
    expect((await rawGet(port, `/${token}/`)).status).toBe(200);
    expect((await rawGet(port, `/${token}/api/session`)).status).toBe(200);
    const media = await rawGet(port, `/${token}/api/videos/clip/media`, { range: 'bytes=0-15' });
    expect(media.status).toBe(206);
    expect(media.body.length).toBe(16);
  });

  it('every request without the token, or with a wrong one', async () => {
    const wrong = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const path of ['/', '/api/session', '/app.js', `/${wrong}/`, `/${wrong}/api/session`, `/${token}x/api/session`, `/${token.slice(0, -1)}/api/session`, `/api/${token}/session`, `/?token=${token}`, '/favicon.ico']) {
      const answer = await rawGet(port, path);
      expect({ path, status: answer.status }).toEqual({ path, status: 403 });
      expect(answer.body).not.toContain('gazecoder review</title>');
    }
  });

  it('any path that would leave the given files: ../, absolute, percent-encoded, a real path as an id', async () => {
    const paths = [
      `/${token}/../../../../../../etc/passwd`,
      `/${token}/api/videos/clip/media/../../../../../../etc/passwd`,
      `/${token}/api/videos/..%2F..%2F..%2F..%2F..%2Fetc%2Fpasswd/media`,
      `/${token}/api/videos/%2e%2e%2f%2e%2e%2fetc%2fpasswd/media`,
      `/${token}/%2e%2e/%2e%2e/%2e%2e/etc/passwd`,
      `/${token}/api/videos/%2Fetc%2Fpasswd/media`,
      `/${token}/api/videos/${encodeURIComponent(secret)}/media`,
      `/${token}/api/videos/${encodeURIComponent(join(videos, 'clip.mp4'))}/media`,
      `/${token}/api/videos/clip%00/media`,
      `/${token}//etc/passwd`,
      `/${token}/api/videos/..%252F..%252Fetc%252Fpasswd/media`,
      `/${token}/style.css/../../../etc/passwd`,
      `//etc/passwd`,
      `/${token}/api/videos/clip/agreement?a=../../etc/passwd&b=t0`,
    ];
    for (const path of paths) {
      const answer = await rawGet(port, path);
      expect({ path, refused: answer.status >= 400 && answer.status < 500 }).toEqual({ path, refused: true });
      expect(answer.body).not.toMatch(/root:|TOP SECRET/);
    }
  });

  it('a request naming another host (DNS rebinding) on loopback', async () => {
    const answer = await rawGet(port, `/${token}/api/session`, { host: `attacker.example:${port}` });
    expect(answer.status).toBe(421);
  });

  it('a non-loopback --host without --allow-remote, before reading anything', async () => {
    for (const host of ['0.0.0.0', '::', '192.168.1.20']) {
      const run = await gazecoderAsync(['review', videos, '--codings', codings, '--host', host]);
      expect({ host, code: run.code }).toEqual({ host, code: 1 });
      expect(run.stderr).toContain(`--host ${host}: not a loopback address`);
      expect(run.stderr).toContain('--allow-remote');
      expect(run.stdout).not.toContain('http://');
    }
  });

  it('bad input with one error naming the file or flag, and writes nothing', async () => {
    const bad = join(temp.path, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'clip.txt'), '0, left, 0.9\n1, sideways, 0.9\n');
    const emptyDir = join(temp.path, 'empty');
    mkdirSync(emptyDir);
    const humans = join(temp.path, 'humans');
    mkdirSync(humans);
    writeLookit(join(humans, 'other.txt'), [[0, 'left']], 30);
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const busyPort = (busy.address() as { port: number }).port;
    const cases: Array<[string[], RegExp]> = [
      [[join(temp.path, 'missing.mp4')], /missing\.mp4: no such video or folder/],
      [[emptyDir], /empty: no video files in this folder/],
      [[videos, '--codings', join(temp.path, 'nowhere')], /--codings .*nowhere: .*nowhere is not a folder/],
      [[videos, '--codings', bad], /bad\/clip\.txt.*unknown class 'sideways'/],
      [[videos, '--codings', humans], /--codings .*humans: none of its codings \(other\) matches a video id \(clip\)/],
      [[videos, '--port', 'http'], /--port must be a non-negative integer, got 'http'/],
      [[videos, '--port', '70000'], /--port must be 0 to 65535, got '70000'/],
      [[videos, '--format', 'pdf'], /--format must be raw_output, compressed, ui, lookit .*got 'pdf'/],
      [[videos, '--port', String(busyPort)], new RegExp(`--port ${busyPort}: 127\\.0\\.0\\.1:${busyPort} is in use`)],
    ];
    try {
      for (const [args, message] of cases) {
        const run = await gazecoderAsync(['review', ...args]);
        expect({ args, code: run.code }).toEqual({ args, code: 1 });
        expect(run.stderr).toMatch(message);
        expect(run.stdout).not.toContain('http://');
      }
    } finally {
      busy.close();
    }
    // nothing was written beside any input (a journal is made by the first edit, and none was made)
    for (const dir of [bad, humans, codings, videos]) expect(readdirSync(dir).filter((name) => name === 'reviewed')).toEqual([]);
  });
});
