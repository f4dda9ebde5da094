// Packs every publishable workspace into one folder as installable tarballs — what `npm install`
// takes outside this repository until the packages are on a registry:
//   npm run pack [-- --out DIR]        (default: packed/)
// The prebuilt addon package is packed only for this platform, from an addon built against Debian's
// LibTorch (its prepack refuses any other).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outFlag = process.argv.indexOf('--out');
const out = resolve(outFlag >= 0 ? process.argv[outFlag + 1] : join(root, 'packed'));
mkdirSync(out, { recursive: true });

const folders = ['native', ...readdirSync(join(root, 'packages')).map((name) => join('packages', name))];
const prebuilt = join('native', 'prebuilt', `${process.platform}-${process.arch}`);
if (existsSync(join(root, prebuilt, 'package.json'))) folders.push(prebuilt);

const tarballs = [];
for (const folder of folders) {
  const manifest = JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8'));
  if (manifest.private) continue;
  const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', out], { cwd: join(root, folder), encoding: 'utf8' });
  if (pack.status !== 0) {
    process.stderr.write(pack.stderr);
    console.error(`pack: npm pack of ${folder} failed`);
    process.exit(1);
  }
  // npm prints lifecycle output before the JSON; the JSON is the last top-level array.
  const [entry] = JSON.parse(pack.stdout.slice(pack.stdout.lastIndexOf('\n[') + 1));
  tarballs.push(join(out, entry.filename));
}
console.log(tarballs.join('\n'));
