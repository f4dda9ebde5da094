// prepack of a prebuilt platform package: copies the repository's addon build into it, refusing a
// build that is not the one the package promises (Debian's LibTorch, the system's libraries).
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const packageDir = process.cwd();
const release = join(packageDir, '..', '..', 'build', 'Release');
const record = join(release, 'gazecoder-addon.json');
if (!existsSync(join(release, 'gazecoder.node')) || !existsSync(record)) {
  console.error(`stage-prebuilt: no addon build in ${release}; run \`npm run build\` first`);
  process.exit(1);
}
const { source } = JSON.parse(readFileSync(record, 'utf8'));
if (source !== 'system') {
  console.error(`stage-prebuilt: the addon in ${release} was built against a LibTorch from ${source}, not Debian's; rebuild without LIBTORCH/CMAKE_PREFIX_PATH`);
  process.exit(1);
}
for (const file of ['gazecoder.node', 'gazecoder-addon.json']) copyFileSync(join(release, file), join(packageDir, file));
