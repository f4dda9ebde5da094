// Builds the Node addon with cmake-js, and in the repository the core's tests and benchmark too.
// A change of LibTorch selection (LIBTORCH / CMAKE_PREFIX_PATH) starts from a fresh CMake cache so
// that no stale path survives.
//   node scripts/build.mjs              addon + gtests + step benchmark (the repository's build)
//   node scripts/build.mjs --addon-only the addon alone (what an install builds; no tests shipped)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { findLibTorch } from './libtorch.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, 'build');
const addonOnly = process.argv.includes('--addon-only');

const torch = findLibTorch();
if (torch.error) {
  console.error(torch.error);
  process.exit(1);
}

const selection = JSON.stringify({
  libtorch: process.env.LIBTORCH ?? '',
  prefixPath: process.env.CMAKE_PREFIX_PATH ?? '',
  ...(addonOnly ? { addonOnly } : {}),
});
const selectionFile = join(buildDir, 'torch-selection.json');
if (existsSync(selectionFile) && readFileSync(selectionFile, 'utf8') !== selection) {
  rmSync(join(buildDir, 'CMakeCache.txt'), { force: true });
  rmSync(join(buildDir, 'CMakeFiles'), { recursive: true, force: true });
}
mkdirSync(buildDir, { recursive: true });

const jobs = String(Math.max(1, Number(process.env.JOBS) || cpus().length));
const cmakeJs = join(dirname(fileURLToPath(import.meta.resolve('cmake-js/package.json'))), 'bin', 'cmake-js');
const extras = existsSync(join(root, 'core', 'tests')) && !addonOnly ? ['--CDGAZECODER_TESTS=ON', '--CDGAZECODER_BENCH=ON'] : ['--CDGAZECODER_TESTS=OFF', '--CDGAZECODER_BENCH=OFF'];
const result = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build', '--parallel', jobs, ...extras], {
  cwd: root,
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(selectionFile, selection);
// What the addon was built against, for the loader's error when that LibTorch is gone.
writeFileSync(
  join(buildDir, 'Release', 'gazecoder-addon.json'),
  JSON.stringify({ libtorch: torch.prefix, torchConfig: torch.config, source: torch.source }, null, 2) + '\n',
);
