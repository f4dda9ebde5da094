// Builds the core, its tests and the Node addon with cmake-js. A change of LibTorch selection
// (LIBTORCH / CMAKE_PREFIX_PATH) starts from a fresh CMake cache so that no stale path survives.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build');
const libtorch = process.env.LIBTORCH ?? '';

if (libtorch !== '' && !existsSync(join(libtorch, 'share/cmake/Torch/TorchConfig.cmake'))) {
  console.error(
    `gazecoder build: LIBTORCH=${libtorch} is not a LibTorch (no share/cmake/Torch/TorchConfig.cmake there).\n` +
      'Point LIBTORCH at the folder holding include/, lib/ and share/ of a LibTorch, or unset it to use Debian\'s libtorch-dev.',
  );
  process.exit(1);
}

const selection = JSON.stringify({ libtorch, prefixPath: process.env.CMAKE_PREFIX_PATH ?? '' });
const selectionFile = join(buildDir, 'torch-selection.json');
if (existsSync(selectionFile) && readFileSync(selectionFile, 'utf8') !== selection) {
  rmSync(join(buildDir, 'CMakeCache.txt'), { force: true });
  rmSync(join(buildDir, 'CMakeFiles'), { recursive: true, force: true });
}
mkdirSync(buildDir, { recursive: true });

const jobs = String(Math.max(1, Number(process.env.JOBS) || cpus().length));
const cmakeJs = join(dirname(fileURLToPath(import.meta.resolve('cmake-js/package.json'))), 'bin', 'cmake-js');
const result = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build', '--parallel', jobs, '--CDGAZECODER_TESTS=ON'], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(selectionFile, selection);
