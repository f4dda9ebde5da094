// The reference beside the README stays true: docs/cli.md is exactly what scripts/docs-cli.mjs makes
// from the CLI's own help (and docs/cli-notes/), and every relative link of README.md and docs/*.md
// leads to a file that exists.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

import { tempDir } from './helpers/run';

const repo = join(__dirname, '..');
const docs = join(repo, 'docs');

describe('docs', () => {
  it('docs/cli.md is what `node scripts/docs-cli.mjs` generates from the CLI help', () => {
    const temp = tempDir('docs-cli');
    try {
      const out = join(temp.path, 'cli.md');
      const run = spawnSync(process.execPath, [join(repo, 'scripts', 'docs-cli.mjs'), '--out', out], { cwd: repo, encoding: 'utf8' });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
      const committed = readFileSync(join(docs, 'cli.md'), 'utf8');
      const generated = readFileSync(out, 'utf8');
      if (committed !== generated) {
        throw new Error('docs/cli.md is out of date with the CLI help or docs/cli-notes/: run `node scripts/docs-cli.mjs` and commit docs/cli.md');
      }
    } finally {
      temp.cleanup();
    }
  });

  it('every relative link in README.md and docs/*.md points at an existing file', () => {
    const files = [join(repo, 'README.md'), ...readdirSync(docs).filter((f) => f.endsWith('.md')).map((f) => join(docs, f))];
    const broken: string[] = [];
    let links = 0;
    for (const file of files) {
      // Fenced code is not Markdown: `[…](…)` there is code (e.g. a TypeScript index and call).
      const text = readFileSync(file, 'utf8').replace(/^```[^\n]*\n[\s\S]*?^```$/gm, '');
      for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const target = match[1] as string;
        if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue; // URL, mailto:, same page
        links += 1;
        const path = decodeURIComponent(target.split('#')[0] as string);
        if (!existsSync(resolve(dirname(file), path))) broken.push(`${file.slice(repo.length + 1)}: ${target}`);
      }
    }
    expect(links).toBeGreaterThan(5);
    expect(broken).toEqual([]);
  });
});
