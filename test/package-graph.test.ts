// scripts/check-package-graph.mjs (run by npm test): the real tree passes; a small tree with a
// dependency cycle, a path import, a deep import and undeclared imports fails, naming each.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

import { tempDir } from './helpers/run';

const REPO = join(__dirname, '..');
const CHECK = join(REPO, 'scripts', 'check-package-graph.mjs');

function check(root: string): { code: number | null; output: string } {
  const run = spawnSync(process.execPath, [CHECK, root], { encoding: 'utf8' });
  return { code: run.status, output: run.stdout + run.stderr };
}

function write(root: string, files: Record<string, string | object>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
}

describe('the package graph check', () => {
  it('passes on the repository', () => {
    const run = check(REPO);
    expect(run.output).toMatch(/^check-package-graph: \d+ packages, no undeclared, path or cyclic imports/);
    expect(run.code).toBe(0);
  });

  it('fails on a cycle, a path import, a deep import and undeclared imports, naming each', () => {
    const tmp = tempDir('package-graph');
    try {
      write(tmp.path, {
        'package.json': { name: 'root', private: true, workspaces: ['packages/*'], devDependencies: { jest: '*' } },
        'packages/a/package.json': { name: '@t/a', dependencies: { '@t/b': '1' } },
        'packages/a/src/index.ts': [
          "import { readFileSync } from 'node:fs';",
          "import { b } from '@t/b';",
          "import { helper } from '../../b/src/helper';",
          "export { deep } from '@t/b/dist/deep';",
          "// import { commented } from 'left-pad';",
          "const later = () => import('undeclared');",
          '',
        ].join('\n'),
        'packages/a/test/a.test.ts': "import { expect } from 'jest';\nimport { c } from '@t/c';\n",
        'packages/b/package.json': { name: '@t/b', devDependencies: { '@t/c': '1' } },
        'packages/b/src/index.ts': "export const b = require('fs');\n",
        'packages/b/test/b.test.ts': "import { c } from '@t/c';\n",
        'packages/c/package.json': { name: '@t/c', devDependencies: { '@t/a': '1' } },
        'packages/c/src/index.ts': 'export const c = 1;\n',
        'packages/c/tsconfig.json': '{\n  // a build edge\n  "references": [{ "path": "../b" }]\n}\n',
      });
      const run = check(tmp.path);
      expect(run.code).toBe(1);
      const lines = run.output.trim().split('\n').map((l) => l.trim());
      expect(lines).toEqual([
        `check-package-graph: 6 problem(s) in ${tmp.path}`,
        "packages/a/src/index.ts:3: '../../b/src/helper' leaves @t/a's folder (into @t/b); import the package by name",
        "packages/a/src/index.ts:4: '@t/b/dist/deep' reaches into @t/b's dist/ by path; import '@t/b'",
        "packages/a/src/index.ts:6: imports 'undeclared', which is not in @t/a's dependencies",
        "packages/a/test/a.test.ts:2: imports '@t/c', which is not in @t/a's dependencies or devDependencies",
        'packages/c/tsconfig.json: references @t/b, which is not in @t/c\'s dependencies',
        'dependency cycle: @t/a → @t/b → @t/c → @t/a',
      ]);
    } finally {
      tmp.cleanup();
    }
  });
});
