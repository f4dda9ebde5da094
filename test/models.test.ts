// gazecoder models fetch / list, and a cached model's name in annotate --model, against a real HTTP
// server on loopback serving a small archive in the released one's layout (a zip made by Python's
// zipfile, deflated): an interrupted download resumes with a Range request, a cached archive is used
// without the network, two fetches at once download it once, and a server error, a wrong hash and a
// truncated archive each fail clearly, leaving nothing half-written in the cache.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { annotateFixturePaths, makeAnnotateFixture } from './helpers/annotate-fixture';
import { gazecoderAsync, python, tempDir } from './helpers/run';

const tmp = tempDir('models');
const { video, checkpoint } = annotateFixturePaths(tmp.path);
const archive = join(tmp.path, 'icatcher+_models.zip');
let zip: Buffer;
/** A torchvision regnet_y_400mf state dict (random weights), served as its ImageNet file would be. */
const weightsFile = join(tmp.path, 'regnet_y_400mf.pth');
let weights: Buffer;
let server: Server;
let base = '';
const requests: Array<{ url: string; range: string | undefined }> = [];
/** The first request for /flaky.zip is cut off after this many bytes. */
const CUT_AT = 300_000;
let flakyServed = false;

beforeAll(async () => {
  makeAnnotateFixture(tmp.path);
  // The released archive's layout: a folder holding the models (iCatcher+ finds them by file name).
  const zipped = python('make_model_archive.py', archive, checkpoint);
  expect(zipped.stderr).toBe('');
  zip = readFileSync(archive);
  expect(zip.length).toBeGreaterThan(2 * CUT_AT);
  const saved = python('run_inline.py', 'import sys,torch,torchvision; torch.manual_seed(5); torch.save(torchvision.models.regnet_y_400mf().state_dict(), sys.argv[1])', weightsFile);
  expect(saved.stderr).toBe('');
  weights = readFileSync(weightsFile);
  server = createServer((request: IncomingMessage, response) => {
    requests.push({ url: request.url ?? '', range: request.headers.range });
    if (request.url === '/broken') {
      response.writeHead(500, 'Internal Server Error').end('no');
      return;
    }
    if (request.url === '/regnet_y_400mf.pth') {
      response.writeHead(200, { 'Content-Length': String(weights.length) }).end(weights);
      return;
    }
    if (request.url === '/truncated.zip') {
      response.writeHead(200, { 'Content-Length': String(zip.length / 2) }).end(zip.subarray(0, zip.length / 2));
      return;
    }
    if (request.url === '/slow.zip') {
      // About 1.5 s for the whole archive, so that a second fetch starts while the first runs.
      response.writeHead(200, { 'Content-Length': String(zip.length) });
      const step = Math.ceil(zip.length / 15);
      let sent = 0;
      const timer = setInterval(() => {
        response.write(zip.subarray(sent, sent + step));
        sent += step;
        if (sent >= zip.length) {
          clearInterval(timer);
          response.end();
        }
      }, 100);
      return;
    }
    const from = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0);
    const body = zip.subarray(from);
    response.writeHead(from > 0 ? 206 : 200, { 'Content-Length': String(body.length), ...(from > 0 ? { 'Content-Range': `bytes ${from}-${zip.length - 1}/${zip.length}` } : {}) });
    if (request.url === '/flaky.zip' && !flakyServed) {
      flakyServed = true;
      // The connection drops part-way, as a network does.
      response.write(body.subarray(0, CUT_AT), () => response.destroy());
      return;
    }
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  tmp.cleanup();
});

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
const cacheIn = (name: string) => ({ GAZECODER_CACHE: join(tmp.path, name) });

describe('gazecoder models', () => {
  it('resumes an interrupted fetch with a Range request, unpacks the archive whole, then serves it offline and by name to annotate', async () => {
    const env = cacheIn('cache');
    const cut = await gazecoderAsync(['models', 'fetch', 'icatcher+', '--url', `${base}/flaky.zip`], env);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toMatch(new RegExp(`${base}/flaky\\.zip: the download broke off after \\d+ of ${zip.length} bytes.*run the command again to resume`));
    // Only the partial download is there; the archive is not listed as cached.
    expect(readdirSync(env.GAZECODER_CACHE)).toEqual(['icatcher+.zip.part']);
    const kept = readFileSync(join(env.GAZECODER_CACHE, 'icatcher+.zip.part')).length;
    expect(kept).toBeGreaterThan(0);
    expect(JSON.parse((await gazecoderAsync(['models', 'list', '--json'], env)).stdout).archives[0].cached).toBe(false);

    const resumed = await gazecoderAsync(['models', 'fetch', '--url', `${base}/flaky.zip`, '--json'], env);
    expect(resumed.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).resumedFrom).at(-1)).toBe(kept);
    expect(resumed.code).toBe(0);
    expect(requests.filter((r) => r.url === '/flaky.zip').map((r) => r.range)).toEqual([undefined, `bytes=${kept}-`]);
    const record = JSON.parse(resumed.stdout) as { folder: string; sha256: string; pinned: boolean; files: Record<string, string> };
    expect(record.sha256).toBe(sha256(zip));
    expect(record.pinned).toBe(false);
    expect(sha256(readFileSync(join(record.folder, record.files['icatcher+_lookit_regnet.pth']!)))).toBe(sha256(readFileSync(checkpoint))); // (toEqual on 22 MB Buffers takes minutes)
    expect(Object.keys(record.files).sort()).toEqual(['config.prototxt', 'face_model.caffemodel', 'icatcher+_lookit_regnet.pth']);
    expect(readdirSync(env.GAZECODER_CACHE)).toEqual(['icatcher+']); // the partial download is gone

    // Cached: --offline succeeds and no request reaches the server.
    const before = requests.length;
    const offline = await gazecoderAsync(['models', 'fetch', '--offline'], env);
    expect(offline.code).toBe(0);
    expect(offline.stdout).toMatch(/already in the cache/);
    expect(requests.length).toBe(before);
    const listed = await gazecoderAsync(['models', 'list'], env);
    expect(listed.stdout).toMatch(/icatcher\+: cached/);
    expect(listed.stdout).toMatch(/✓ icatcher\+_lookit_regnet/);

    // The name works where a model file is taken, and codes as the file does.
    const byName = await gazecoderAsync(['annotate', video, '--model', 'icatcher+_lookit_regnet', '--arch', 'regnet_y_400mf', '--device', 'cpu', '--output-dir', join(tmp.path, 'by-name')], env);
    expect(byName.stderr).not.toMatch(/gazecoder:/);
    expect(byName.code).toBe(0);
    const byPath = await gazecoderAsync(['annotate', video, '--model', checkpoint, '--arch', 'regnet_y_400mf', '--device', 'cpu', '--output-dir', join(tmp.path, 'by-path')], env);
    expect(byPath.code).toBe(0);
    expect(readFileSync(join(tmp.path, 'by-name', 'baby.txt'), 'utf8')).toBe(readFileSync(join(tmp.path, 'by-path', 'baby.txt'), 'utf8'));

    // A wrong pinned hash: refused, and the cached archive stays as it was.
    const wrong = await gazecoderAsync(['models', 'fetch', '--url', `${base}/archive.zip`, '--force', '--sha256', '0'.repeat(64)], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`the download's SHA-256 is ${sha256(zip)}, not the expected ${'0'.repeat(64)}; it was removed, nothing was cached`);
    expect(readdirSync(env.GAZECODER_CACHE)).toEqual(['icatcher+']);
    expect(sha256(readFileSync(join(record.folder, record.files['icatcher+_lookit_regnet.pth']!)))).toBe(sha256(readFileSync(checkpoint)));
    // The right one is checked and recorded as pinned.
    const pinned = await gazecoderAsync(['models', 'fetch', '--url', `${base}/archive.zip`, '--force', '--sha256', sha256(zip).toUpperCase()], env);
    expect(pinned.code).toBe(0);
    expect(pinned.stdout).toMatch(/checked against the pinned hash/);
  });

  it("fetches torchvision's ImageNet weights as one file, checks the hash prefix torchvision pins, and train --pretrained takes them by name", async () => {
    const env = cacheIn('torchvision');
    // Random weights do not start with the prefix torchvision pins in the real file's name (e6988f5f).
    const refused = await gazecoderAsync(['models', 'fetch', 'regnet_y_400mf', '--url', `${base}/regnet_y_400mf.pth`], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`the download's SHA-256 is ${sha256(weights)}, which does not start with e6988f5f, the prefix upstream pins in the file's name; it was removed, nothing was cached`);
    expect(readdirSync(env.GAZECODER_CACHE)).toEqual([]);
    // A mirror's file pinned by its own hash is stored as downloaded.
    const fetched = await gazecoderAsync(['models', 'fetch', 'regnet_y_400mf', '--url', `${base}/regnet_y_400mf.pth`, '--sha256', sha256(weights)], env);
    expect(fetched.stderr).not.toMatch(/gazecoder:/);
    expect(fetched.code).toBe(0);
    expect(fetched.stdout).toMatch(/regnet_y_400mf: fetched into .*regnet_y_400mf \(1 files/);
    const listed = await gazecoderAsync(['models', 'list'], env);
    expect(listed.stdout).toMatch(/regnet_y_400mf: cached/);
    expect(listed.stdout).toMatch(/✓ regnet_y_400mf +image-encoder/);
    expect(listed.stdout).toMatch(/regnet_y_16gf: not cached: npx gazecoder models fetch regnet_y_16gf/);

    // train --pretrained by name: the image encoder starts from the cached file (a learning rate too
    // small to move it keeps best.pth's encoder equal to the served weights).
    const dataset = join(tmp.path, 'train-dataset');
    expect(python('synthetic_dataset.py', dataset, '--size', '32', '--train-videos', '1', '--val-videos', '1', '--frames', '60').code).toBe(0);
    const run = join(tmp.path, 'pretrained-run');
    const trained = await gazecoderAsync(['train', dataset, '--out', run, '--arch', 'regnet_y_400mf', '--pretrained', 'regnet_y_400mf', '--epochs', '1', '--batch-size', '8', '--lr', '1e-30', '--device', 'cpu', '--json'], env);
    expect(trained.stderr).not.toMatch(/gazecoder:/);
    expect(trained.code).toBe(0);
    expect(JSON.parse(readFileSync(join(run, 'config.json'), 'utf8')).pretrained).toBe(join(env.GAZECODER_CACHE, 'regnet_y_400mf', 'regnet_y_400mf-e6988f5f.pth'));
    const compare = python('run_inline.py', 'import sys,torch; a=torch.load(sys.argv[1]); b=torch.load(sys.argv[2]); print(max((a["encoder_img."+k]-v).abs().max().item() for k,v in b.items() if not k.startswith("fc.") and v.is_floating_point() and "running" not in k))', join(run, 'best.pth'), weightsFile);
    expect(compare.stderr).toBe('');
    expect(Number(compare.stdout)).toBeLessThan(1e-6);

    // An uncached name says which command fetches it.
    const uncached = await gazecoderAsync(['train', dataset, '--out', join(tmp.path, 'uncached-run'), '--arch', 'regnet_y_16gf', '--pretrained', 'regnet_y_16gf'], env);
    expect(uncached.code).toBe(1);
    expect(uncached.stderr).toContain(`regnet_y_16gf: not in the model cache (${env.GAZECODER_CACHE}); fetch it with: npx gazecoder models fetch regnet_y_16gf`);
  });

  it('lets two fetches of one archive run at once (the second waits for the first and finds it cached), and a stale lock does not block', async () => {
    const env = cacheIn('concurrent');
    const [first, second] = await Promise.all([
      gazecoderAsync(['models', 'fetch', '--url', `${base}/slow.zip`], env),
      new Promise((resolve) => setTimeout(resolve, 300)).then(() => gazecoderAsync(['models', 'fetch', '--url', `${base}/slow.zip`], env)),
    ]);
    expect([first.code, second.code]).toEqual([0, 0]);
    expect(first.stdout).toContain('icatcher+: fetched into');
    expect(second.stdout).toContain('icatcher+: already in the cache at');
    expect(requests.filter((r) => r.url === '/slow.zip')).toHaveLength(1);
    // the whole archive and nothing else: no partial download, no lock left behind
    expect(readdirSync(env.GAZECODER_CACHE)).toEqual(['icatcher+']);

    // A lock left by a fetch that was killed (its process is gone) does not block the next one.
    const stale = cacheIn('stale-lock');
    mkdirSync(stale.GAZECODER_CACHE);
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(stale.GAZECODER_CACHE, 'icatcher+.fetch-lock'), gone);
    const after = await gazecoderAsync(['models', 'fetch', '--url', `${base}/archive.zip`], stale);
    expect(after.code).toBe(0);
    expect(readdirSync(stale.GAZECODER_CACHE)).toEqual(['icatcher+']);
  });

  it('fails clearly on a server error, a truncated archive, a bad hash, an uncached name and --offline, leaving the cache empty', async () => {
    const env = cacheIn('empty');
    const broken = await gazecoderAsync(['models', 'fetch', '--url', `${base}/broken`], env);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain(`gazecoder: ${base}/broken: the server answered HTTP 500 Internal Server Error`);
    const truncated = await gazecoderAsync(['models', 'fetch', '--url', `${base}/truncated.zip`], env);
    expect(truncated.code).toBe(1);
    expect(truncated.stderr).toMatch(/icatcher\+\.zip\.part: not a readable zip archive/);
    const badHash = await gazecoderAsync(['models', 'fetch', '--url', `${base}/archive.zip`, '--sha256', 'abc'], env);
    expect(badHash.code).toBe(1);
    expect(badHash.stderr).toContain("--sha256 must be 64 hexadecimal digits, got 'abc'");
    const unknown = await gazecoderAsync(['models', 'fetch', 'nope'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('nope: no such model archive (known: icatcher+, regnet_y_16gf, regnet_y_400mf)');
    const offline = await gazecoderAsync(['models', 'fetch', '--offline'], env);
    expect(offline.code).toBe(1);
    expect(offline.stderr).toContain('icatcher+: not in the model cache');
    const uncached = await gazecoderAsync(['annotate', video, '--model', 'icatcher+_lookit_regnet', '--output-dir', join(tmp.path, 'none')], env);
    expect(uncached.code).toBe(1);
    expect(uncached.stderr).toContain(`icatcher+_lookit_regnet: not in the model cache (${env.GAZECODER_CACHE}); fetch it with: npx gazecoder models fetch icatcher+`);
    expect(existsSync(env.GAZECODER_CACHE) ? readdirSync(env.GAZECODER_CACHE) : []).toEqual([]);
  });
});
