// gazecoder installed as a user's project installs it: every package packed into a tarball, installed
// into a clean folder outside this repository (no access to its node_modules), and the example of
// examples/embed built and run there.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { runtimeInfo } from '@gazecoder/torch';

import { tempDir } from './helpers/run';

const repo = join(__dirname, '..');
let dir: { path: string; cleanup: () => void };
let tarballs: string[];

function run(command: string, args: string[], options: SpawnSyncOptions = {}): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(command, args, { encoding: 'utf8', ...options });
  return { code: result.status, stdout: String(result.stdout), stderr: String(result.stderr) };
}

/** `npm install` of the tarballs into a fresh folder; the registry only for third-party packages. */
function install(folder: string, packages: string[], env: NodeJS.ProcessEnv = {}) {
  return run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--foreground-scripts', ...packages], {
    cwd: folder,
    // opencv4nodejs builds against the system's OpenCV only with this (else it would fetch OpenCV's sources).
    env: { ...process.env, OPENCV4NODEJS_DISABLE_AUTOBUILD: '1', ...env },
  });
}

beforeAll(() => {
  dir = tempDir('embed');
  const pack = run(process.execPath, [join(repo, 'scripts', 'pack.mjs'), '--out', join(dir.path, 'packed')]);
  expect(pack.stderr).toBe('');
  expect(pack.code).toBe(0);
  tarballs = pack.stdout.trim().split('\n');
}, 300_000);
afterAll(() => dir.cleanup());

describe('npm install of the packed packages', () => {
  it('packs every publishable package, without tests or sources beyond the addon', () => {
    const names = tarballs.map((t) => t.slice(t.lastIndexOf('/') + 1)).sort();
    expect(names).toEqual([
      'gazecoder-0.1.0.tgz',
      'gazecoder-annotate-0.1.0.tgz',
      'gazecoder-cli-0.1.0.tgz',
      'gazecoder-evaluate-0.1.0.tgz',
      'gazecoder-formats-0.1.0.tgz',
      'gazecoder-models-0.1.0.tgz',
      'gazecoder-native-0.1.0.tgz',
      'gazecoder-native-linux-x64-0.1.0.tgz',
      'gazecoder-opencv-0.1.0.tgz',
      'gazecoder-preprocess-0.1.0.tgz',
      'gazecoder-progress-0.1.0.tgz',
      'gazecoder-report-0.1.0.tgz',
      'gazecoder-review-0.1.0.tgz',
      'gazecoder-synth-0.1.0.tgz',
      'gazecoder-torch-0.1.0.tgz',
    ]);
    const listing = run('tar', ['-tzf', tarballs.find((t) => t.endsWith('/gazecoder-native-0.1.0.tgz')) as string]).stdout;
    expect(listing).toContain('package/core/src/');
    expect(listing).toContain('package/binding/');
    expect(listing).not.toContain('package/core/tests/');
    expect(listing).not.toContain('package/build/');
    const torch = run('tar', ['-tzf', tarballs.find((t) => t.endsWith('/gazecoder-torch-0.1.0.tgz')) as string]).stdout;
    expect(torch).toContain('package/dist/index.d.ts');
    expect(torch).not.toMatch(/package\/(src|test)\//);
    // gazecoder review serves its bundled page from the installed package.
    const review = run('tar', ['-tzf', tarballs.find((t) => t.endsWith('/gazecoder-review-0.1.0.tgz')) as string]).stdout;
    expect(review).toContain('package/dist/page/index.html');
    expect(review).toContain('package/dist/page/app.js');
    expect(review).not.toMatch(/package\/(src|test|page)\//);
  });

  it('runs the embed example: runtime, forward, a trained epoch, annotation, a free event loop', () => {
    const app = join(dir.path, 'app');
    mkdirSync(app);
    for (const entry of ['package.json', 'tsconfig.json', 'src']) cpSync(join(repo, 'examples', 'embed', entry), join(app, entry), { recursive: true });
    const installed = install(app, tarballs);
    expect(installed.stderr).not.toMatch(/npm error/);
    expect(installed.code).toBe(0);
    // The default install takes the prebuilt addon: no compiler run for gazecoder's own code.
    expect(installed.stdout + installed.stderr).toContain('[@gazecoder/native] using the prebuilt addon');

    const built = run('npx', ['tsc', '-p', '.'], { cwd: app });
    expect(built.stdout + built.stderr).toBe('');
    expect(built.code).toBe(0);

    const example = run(process.execPath, ['dist/main.js', join(dir.path, 'work')], { cwd: app, env: { ...process.env, GAZECODER_THREADS: '2' } });
    expect(example.stderr).toBe('');
    expect(example.code).toBe(0);
    const result = JSON.parse(example.stdout) as {
      torchVersion: string;
      logitsShape: number[];
      preprocessed: number;
      training: { reason: string; checkpoint: string };
      eventLoopDelayMs: { p50: number; p99: number; max: number };
      annotated: string[];
      failed: number;
    };
    console.log(`embed example: event loop delay during training p50 ${result.eventLoopDelayMs.p50.toFixed(1)} ms, p99 ${result.eventLoopDelayMs.p99.toFixed(1)} ms, max ${result.eventLoopDelayMs.max.toFixed(1)} ms`);
    expect(result.torchVersion).toBe(runtimeInfo().torchVersion);
    expect(result.logitsShape).toEqual([2, 3]);
    expect(result.preprocessed).toBe(3);
    expect(result.training.reason).toBe('completed');
    expect(existsSync(result.training.checkpoint)).toBe(true);
    expect(result.eventLoopDelayMs.p99).toBeLessThan(100);
    expect(result.failed).toBe(0);
    expect(result.annotated).toHaveLength(1);
    expect(readFileSync(result.annotated[0] as string, 'utf8').split('\n')[0]).toMatch(/^0, (left|right|away|none|noface), -?\d\.\d\d$/);

    // The installed bin, as a user of the project runs it.
    const info = run('npx', ['gazecoder', 'info', '--json'], { cwd: app });
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ torchVersion: runtimeInfo().torchVersion });

    // An addon file that cannot load is named, with the fix: one cut short (which dlopen would die of) …
    const addon = join(app, 'node_modules', '@gazecoder', 'native-linux-x64', 'gazecoder.node');
    truncateSync(addon, 100_000);
    const cut = run('npx', ['gazecoder', 'info'], { cwd: app });
    expect(cut.stderr).toContain(`gazecoder's native addon ${addon} is cut short (100000 bytes of at least `);
    expect(cut.stderr).toContain('npm rebuild @gazecoder/native');
    expect(cut.code).toBe(1);
    // … and one that is no shared library at all.
    writeFileSync(addon, 'not an ELF file\n'.repeat(100));
    const broken = run('npx', ['gazecoder', 'info'], { cwd: app });
    expect(broken.stderr).toContain(`cannot load gazecoder's native addon ${addon}: `);
    expect(broken.stderr).toContain('invalid ELF header');
    expect(broken.stderr).toContain('npm rebuild @gazecoder/native');
    expect(broken.code).toBe(1);
    // And one that is not there at all.
    rmSync(addon);
    const missing = run('npx', ['gazecoder', 'info'], { cwd: app });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`gazecoder's native addon ${join(app, 'node_modules', '@gazecoder', 'native', 'build', 'Release', 'gazecoder.node')} does not exist`);
    expect(missing.stderr).toContain('npm rebuild @gazecoder/native');
  }, 1_800_000);

  it('fails at once with one message when no LibTorch can be found', () => {
    const app = join(dir.path, 'no-libtorch');
    const empty = join(dir.path, 'empty-libtorch');
    mkdirSync(app);
    mkdirSync(empty);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'no-libtorch', version: '1.0.0', private: true }));
    const native = tarballs.filter((t) => /\/gazecoder-native(-linux-x64)?-0\.1\.0\.tgz$/.test(t));
    const started = Date.now();
    const installed = install(app, native, { LIBTORCH: empty });
    expect(installed.code).not.toBe(0);
    expect(installed.stderr).toContain(`gazecoder: LIBTORCH=${empty} is not a LibTorch (no share/cmake/Torch/TorchConfig.cmake there).`);
    expect(Date.now() - started).toBeLessThan(120_000);  // no build was attempted
    // Never a half-installed package that fails at first import.
    expect(existsSync(join(app, 'node_modules', '@gazecoder', 'native', 'index.js'))).toBe(false);
  }, 600_000);
});
