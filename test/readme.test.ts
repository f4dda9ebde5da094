// The README is a contract: its `npx gazecoder …` lines run as printed, from the repository root, through
// the bin that npm linked at install time (not a path into dist/).
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

import { GAZECODER_BIN } from './helpers/run';

const repo = join(__dirname, '..');
const readme = readFileSync(join(repo, 'README.md'), 'utf8');
const npx = (args: string[]) => spawnSync('npx', args, { cwd: repo, encoding: 'utf8' });

describe('README', () => {
  it('`npx gazecoder info --json` works from the repository root after set-up', () => {
    const run = npx(['gazecoder', 'info', '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toHaveProperty('torchVersion');
    // npm linked the committed bin file at install time, so no build step can leave it dangling.
    expect(realpathSync(GAZECODER_BIN)).toBe(join(repo, 'packages', 'gazecoder', 'bin', 'gazecoder.js'));
  });

  it('every command a README line runs with `npx gazecoder` exists', () => {
    const commands = [...new Set([...readme.matchAll(/^npx gazecoder ([a-z]+)/gm)].map((m) => m[1] as string))];
    expect(commands.length).toBeGreaterThanOrEqual(10);
    for (const command of commands) {
      const run = npx(['gazecoder', command, '--help']);
      expect({ command, status: run.status, stderr: run.stderr }).toEqual({ command, status: 0, stderr: '' });
      expect(run.stdout).toContain(`Usage: gazecoder ${command}`);
    }
  });
});
