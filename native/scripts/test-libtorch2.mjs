// The core and its gtests against a LibTorch 2.x too, where this machine has one: GAZECODER_LIBTORCH2
// (an unpacked LibTorch), else the newest /opt/wheels/torch-2*.whl, whose torch/ folder is a whole
// LibTorch (extracted once into build-libtorch2/). Without one it says so and succeeds: 2.x is optional.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build-libtorch2');
const wheels = process.env.GAZECODER_WHEELS ?? '/opt/wheels';
const log = (line) => console.log(`[libtorch 2.x] ${line}`);

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.status !== 0) {
    console.error(`[libtorch 2.x] ${command} ${args.join(' ')} failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
}

/** An unpacked LibTorch 2.x folder, extracting the newest wheel once; undefined when there is none. */
function libtorch2() {
  const given = process.env.GAZECODER_LIBTORCH2 ?? '';
  if (given !== '') return given;
  const found = existsSync(wheels) ? readdirSync(wheels).filter((name) => /^torch-2\.[0-9.]+.*\.whl$/.test(name)).sort() : [];
  const wheel = found.at(-1);
  if (wheel === undefined) return undefined;
  const target = join(buildDir, basename(wheel, '.whl'));
  const stamp = join(target, '.extracted');
  if (!existsSync(stamp)) {
    log(`extracting LibTorch from ${join(wheels, wheel)}`);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target, { recursive: true });
    run('unzip', ['-q', join(wheels, wheel), 'torch/include/*', 'torch/lib/*', 'torch/share/*', '-d', target]);
    writeFileSync(stamp, '');
  }
  return join(target, 'torch');
}

const libtorch = libtorch2();
if (libtorch === undefined) {
  log(`none found (no ${wheels}/torch-2*.whl and GAZECODER_LIBTORCH2 unset): the gtests ran against Debian's LibTorch only`);
  process.exit(0);
}
const env = { ...process.env, LIBTORCH: libtorch, OMP_WAIT_POLICY: 'PASSIVE' };
const generator = spawnSync('ninja', ['--version'], { stdio: 'ignore' }).status === 0 ? ['-G', 'Ninja'] : [];
// The reference fixtures do not depend on the LibTorch under test: share the main build's.
const fixtures = join(root, 'build', 'fixtures');
run('cmake', ['-S', root, '-B', buildDir, ...generator, '-DCMAKE_BUILD_TYPE=Release', '-DGAZECODER_TESTS=ON', '-DGAZECODER_BENCH=OFF', `-DGAZECODER_FIXTURES=${fixtures}`], { env, stdio: ['ignore', 'ignore', 'inherit'] });
const jobs = String(Math.max(1, Number(process.env.JOBS) || cpus().length));
log(`building the core and its gtests against ${libtorch}`);
run('cmake', ['--build', buildDir, '--parallel', jobs, '--target', 'gazecoder_core_tests'], { env });
run('ctest', ['--test-dir', buildDir, '--output-on-failure', '--timeout', '1200'], { env });
log(`the gtests passed against ${libtorch}`);
