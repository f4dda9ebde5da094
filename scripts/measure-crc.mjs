#!/usr/bin/env node
// What checking every zip record's CRC-32 costs when loading a regnet_y_16gf-sized checkpoint:
// Model.loadWeights with and without `verifyCrc`, alternated, the file in the page cache (the first,
// cold read is left out). Makes the checkpoint (torchvision's regnet_y_16gf, random weights, 335 MB)
// with Debian's Python when none is given.
//
//   node scripts/measure-crc.mjs [checkpoint.pth] [--repeats N]
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { Model, runtimeInfo } = require('@gazecoder/torch');

const args = process.argv.slice(2);
const repeatsAt = args.indexOf('--repeats');
const repeats = repeatsAt >= 0 ? Number(args.splice(repeatsAt, 2)[1]) : 5;
const checkpoint = args[0] ?? join(tmpdir(), 'gazecoder-regnet_y_16gf.pth');
if (!existsSync(checkpoint)) {
  process.stderr.write(`making ${checkpoint} with torchvision ...\n`);
  execFileSync('/usr/bin/python3', ['-c', 'import sys, torch, torchvision; torch.manual_seed(0); torch.save(torchvision.models.regnet_y_16gf().state_dict(), sys.argv[1])', checkpoint], { stdio: 'inherit' });
}

const model = await Model.create({ arch: 'regnet_y_16gf', kind: 'backbone', device: 'cpu' });
const time = async (verifyCrc) => {
  const began = process.hrtime.bigint();
  const report = await model.loadWeights(checkpoint, { verifyCrc });
  if (report.skipped.length > 0 || report.loaded.length !== model.state.length) throw new Error(`${checkpoint}: not a whole regnet_y_16gf state dict`);
  return Number(process.hrtime.bigint() - began) / 1e6;
};
await time(true);  // warm the page cache and the allocator
const runs = { checked: [], unchecked: [] };
for (let i = 0; i < repeats; i += 1) {
  runs.checked.push(await time(true));
  runs.unchecked.push(await time(false));
}
model.dispose();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const bytes = statSync(checkpoint).size;
const checked = median(runs.checked);
const unchecked = median(runs.unchecked);
const info = runtimeInfo();
const result = {
  checkpoint,
  megabytes: +(bytes / 1e6).toFixed(1),
  repeats,
  loadMsWithCrc: +checked.toFixed(1),
  loadMsWithoutCrc: +unchecked.toFixed(1),
  crcMs: +(checked - unchecked).toFixed(1),
  crcShare: +((checked - unchecked) / checked).toFixed(3),
  crcGigabytesPerSecond: +(bytes / 1e9 / ((checked - unchecked) / 1e3)).toFixed(2),
  runs,
  torch: info.torchVersion,
  cpu: info.cpuCapability,
  threads: info.intraOpThreads,
};
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
