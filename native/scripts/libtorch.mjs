// Which LibTorch a build of the addon uses: the one rule shared by the install step and the build,
// so that they never disagree about where LibTorch is.
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

const CONFIG = join('share', 'cmake', 'Torch', 'TorchConfig.cmake');

/** The one message for a machine without a usable LibTorch. */
export const NO_LIBTORCH =
  'gazecoder: no LibTorch found to build the native addon against.\n' +
  '  - Debian/Ubuntu: apt-get install libtorch-dev libopenblas0-openmp   (LibTorch 1.13, CPU)\n' +
  '  - or set LIBTORCH to an unpacked LibTorch: a CUDA LibTorch from pytorch.org, or the torch/ folder of a\n' +
  '    PyTorch wheel (unzip -q torch-*.whl "torch/include/*" "torch/lib/*" "torch/share/*" -d DIR; LIBTORCH=DIR/torch)\n' +
  '  then install again.';

/** Folders under which CMake finds a Torch config without being told (Debian's multiarch libdir). */
function systemConfigs() {
  const configs = [];
  for (const lib of ['/usr/lib', '/usr/local/lib']) {
    if (!existsSync(lib)) continue;
    for (const entry of readdirSync(lib)) {
      const config = join(lib, entry, 'cmake', 'Torch', 'TorchConfig.cmake');
      if (existsSync(config)) configs.push(config);
    }
    const plain = join(lib, 'cmake', 'Torch', 'TorchConfig.cmake');
    if (existsSync(plain)) configs.push(plain);
  }
  return configs;
}

/**
 * The LibTorch a build would use, as { source, config } (source: 'LIBTORCH', 'CMAKE_PREFIX_PATH' or
 * 'system'), or { error } when the environment names none that exists or the machine has none.
 */
export function findLibTorch(env = process.env) {
  const libtorch = env.LIBTORCH ?? '';
  if (libtorch !== '') {
    const config = join(libtorch, CONFIG);
    if (existsSync(config)) return { source: 'LIBTORCH', config, prefix: libtorch };
    return {
      error:
        `gazecoder: LIBTORCH=${libtorch} is not a LibTorch (no ${CONFIG} there).\n` +
        'Point LIBTORCH at the folder holding include/, lib/ and share/ of a LibTorch (a CUDA LibTorch, or torch/ of an\n' +
        "unpacked PyTorch wheel), or unset it to use Debian's libtorch-dev.",
    };
  }
  for (const prefix of (env.CMAKE_PREFIX_PATH ?? '').split(delimiter).filter((p) => p !== '')) {
    for (const candidate of [join(prefix, CONFIG), join(prefix, 'lib', 'cmake', 'Torch', 'TorchConfig.cmake'), join(prefix, 'TorchConfig.cmake')]) {
      if (existsSync(candidate)) return { source: 'CMAKE_PREFIX_PATH', config: candidate, prefix };
    }
  }
  const [system] = systemConfigs();
  if (system !== undefined) return { source: 'system', config: system, prefix: '/usr' };
  return { error: NO_LIBTORCH };
}
