#!/usr/bin/env node
// Bundles the review page (page/main.ts and what it imports, src/protocol.ts and src/runs.ts
// included) with esbuild into dist/page/app.js, and copies index.html and style.css beside it: the
// static files the server serves from memory. Run by the package's `build` script (turbo).
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'page');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(root, 'page', 'main.ts')],
  outfile: join(out, 'app.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) copyFileSync(join(root, 'page', file), join(out, file));
