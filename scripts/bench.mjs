#!/usr/bin/env node
// `gazecoder bench` from a checkout: node scripts/bench.mjs [--arch …] [--device …] [--quick] [--json FILE] [--markdown FILE]
// (the benchmark itself lives in packages/cli/src/bench; build with `npx turbo run build` first).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'packages/gazecoder/bin/gazecoder.js');
const run = spawnSync(process.execPath, [cli, 'bench', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(run.status ?? 1);
