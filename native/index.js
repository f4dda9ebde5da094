// Where gazecoder's addon is and how it loads: the one place that knows the build folder and the
// prebuilt platform package, and that turns a load failure into an error naming the file and the fix.
'use strict';
const { closeSync, existsSync, openSync, readFileSync, readSync, statSync } = require('node:fs');
const { join } = require('node:path');

const built = join(__dirname, 'build', 'Release', 'gazecoder.node');
const prebuiltPackage = `@gazecoder/native-${process.platform}-${process.arch}`;

function prebuiltAddon() {
  try {
    return join(require.resolve(`${prebuiltPackage}/package.json`).replace(/package\.json$/, ''), 'gazecoder.node');
  } catch {
    return undefined;
  }
}

/** The addon this package loads: its own build when there is one, else the prebuilt platform package's. */
function addonPath() {
  if (existsSync(built)) return built;
  const prebuilt = prebuiltAddon();
  return prebuilt !== undefined && existsSync(prebuilt) ? prebuilt : built;
}

function builtAgainst(path) {
  try {
    const record = JSON.parse(readFileSync(join(path, '..', 'gazecoder-addon.json'), 'utf8'));
    return ` It was built against the LibTorch at ${record.libtorch} (${record.source}).`;
  } catch {
    return '';
  }
}

/**
 * The size a 64-bit little-endian ELF file must have (its section headers come last), when `path` is
 * shorter: dlopen maps such a file and the process dies of SIGBUS instead of getting an error.
 */
function cutShort(path) {
  const header = Buffer.alloc(64);
  const fd = openSync(path, 'r');
  try {
    if (readSync(fd, header, 0, 64, 0) < 64) return { size: statSync(path).size, needed: 64 };
  } finally {
    closeSync(fd);
  }
  if (header.readUInt32BE(0) !== 0x7f454c46 || header[4] !== 2 || header[5] !== 1) return undefined;
  const needed = Number(header.readBigUInt64LE(0x28)) + header.readUInt16LE(0x3a) * header.readUInt16LE(0x3c);
  const size = statSync(path).size;
  return size < needed ? { size, needed } : undefined;
}

/** Loads the addon once; a missing or unloadable one is an Error that names the file and the fix. */
function loadAddon() {
  const path = addonPath();
  if (!existsSync(path)) {
    throw new Error(
      `gazecoder's native addon ${path} does not exist: @gazecoder/native was installed without building it.\n` +
        'Rebuild it with `npm rebuild @gazecoder/native` (it needs LibTorch: Debian\'s libtorch-dev, or LIBTORCH set to a LibTorch folder); ' +
        'in a clone of the gazecoder repository, `npm run setup`.',
    );
  }
  const short = cutShort(path);
  if (short !== undefined) {
    throw new Error(
      `gazecoder's native addon ${path} is cut short (${short.size} bytes of at least ${short.needed}): reinstall it, ` +
        'or rebuild it with `npm rebuild @gazecoder/native`.',
    );
  }
  try {
    return require(path);
  } catch (error) {
    const reason = String(error && error.message).split('\n')[0];
    throw new Error(
      `cannot load gazecoder's native addon ${path}: ${reason}.${builtAgainst(path)}\n` +
        'That LibTorch is not loadable here (moved, removed, or another version). Rebuild the addon against the one you have: ' +
        '`LIBTORCH=/path/to/libtorch npm rebuild @gazecoder/native` (or unset LIBTORCH for Debian\'s libtorch-dev).',
    );
  }
}

module.exports = { addonPath, loadAddon };
