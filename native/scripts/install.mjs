// npm's install step for @gazecoder/native: leaves an addon that loads, or fails at once with one
// message. Order: the prebuilt platform package when no other LibTorch is asked for and it loads
// here; else a cmake-js build of these sources against the LibTorch that libtorch.mjs finds.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { findLibTorch } from './libtorch.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const log = (line) => console.error(`[@gazecoder/native] ${line}`);

// In gazecoder's own repository turbo builds the addon (with its tests); nothing to do at npm ci.
if (existsSync(join(root, '..', 'turbo.json'))) process.exit(0);

/** The addon at `path` loads in a fresh Node and answers info(); the reason when it does not. */
function loads(path) {
  const probe = spawnSync(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(path)}).info().torchVersion)`], {
    encoding: 'utf8',
  });
  return probe.status === 0 ? { ok: true, torchVersion: probe.stdout } : { ok: false, reason: (probe.stderr.split('\n').find((l) => /Error/.test(l)) ?? probe.stderr).trim() };
}

const forced = process.env.GAZECODER_BUILD_FROM_SOURCE === '1';
const otherTorch = (process.env.LIBTORCH ?? '') !== '' || (process.env.CMAKE_PREFIX_PATH ?? '') !== '';
let prebuiltReason = '';
if (!forced && !otherTorch) {
  let prebuilt;
  try {
    prebuilt = join(dirname(require.resolve(`@gazecoder/native-${process.platform}-${process.arch}/package.json`)), 'gazecoder.node');
  } catch {
    prebuilt = undefined;
  }
  if (prebuilt !== undefined && existsSync(prebuilt)) {
    const probe = loads(prebuilt);
    if (probe.ok) {
      log(`using the prebuilt addon (LibTorch ${probe.torchVersion}, CPU): ${prebuilt}`);
      process.exit(0);
    }
    prebuiltReason = `the prebuilt addon does not load here (${probe.reason}); building from source instead`;
    log(prebuiltReason);
  }
}

const torch = findLibTorch();
if (torch.error) {
  console.error(prebuiltReason === '' ? torch.error : `${torch.error}\n(${prebuiltReason})`);
  process.exit(1);
}
for (const [tool, hint] of [
  ['cmake', 'apt-get install cmake'],
  ['c++', 'apt-get install build-essential'],
]) {
  if (spawnSync(tool, ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.error(`gazecoder: building the native addon needs ${tool}, which is not on PATH (${hint}).`);
    process.exit(1);
  }
}
log(`building the addon against LibTorch at ${torch.prefix} (${torch.source}); this takes a few minutes`);
const build = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs'), '--addon-only'], { cwd: root, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
const probe = loads(join(root, 'build', 'Release', 'gazecoder.node'));
if (!probe.ok) {
  console.error(`gazecoder: the addon built but does not load: ${probe.reason}`);
  process.exit(1);
}
log(`built against LibTorch ${probe.torchVersion}`);
