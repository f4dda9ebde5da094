// The native build's LibTorch selection, as a user meets it.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const buildScript = join(__dirname, '..', 'native', 'scripts', 'build.mjs');

describe('LIBTORCH', () => {
  it('stops the build with a message naming the variable and the path when the path holds no LibTorch', () => {
    const run = spawnSync(process.execPath, [buildScript], { encoding: 'utf8', env: { ...process.env, LIBTORCH: '/opt/no-such-libtorch' } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('LIBTORCH=/opt/no-such-libtorch is not a LibTorch');
  });
});
