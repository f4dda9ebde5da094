// Child process of faults-native.test.ts: loads every file named in a list (one path a line) into one
// gaze model through @gazecoder/torch's Model.loadWeights, and prints one JSON line per file, after a
// `start` line, so that a crash or a hang is pinned on the file that caused it. Plain JS: the test
// runs it with node, outside jest, so that a crash of the addon cannot take jest down with it.
'use strict';
const { readFileSync } = require('node:fs');

const [torchEntry, arch, listFile, timeoutMs] = process.argv.slice(2);
const { Model } = require(torchEntry);

const print = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function main() {
  const model = await Model.create({ arch, kind: 'gaze', device: 'cpu' });
  const files = readFileSync(listFile, 'utf8').split('\n').filter((line) => line !== '');
  for (const file of files) {
    print({ start: file });
    const began = Date.now();
    let timer;
    const hang = new Promise((resolve) => {
      timer = setTimeout(() => resolve('hang'), Number(timeoutMs));
    });
    let line;
    try {
      const result = await Promise.race([model.loadWeights(file), hang]);
      line = result === 'hang' ? { file, outcome: 'hang' } : { file, outcome: 'loaded', loaded: result.loaded.length, skipped: result.skipped.length };
    } catch (error) {
      line = error instanceof Error
        ? { file, outcome: 'error', type: error.constructor.name, message: error.message }
        : { file, outcome: 'not an Error', message: String(error) };
    } finally {
      clearTimeout(timer);
    }
    print({ ...line, ms: Date.now() - began });
    if (line.outcome === 'hang') process.exit(3);
  }
  model.dispose();
  print({ end: files.length });
}

main().catch((error) => {
  process.stderr.write(`load-corpus: ${error && error.stack}\n`);
  process.exit(2);
});
