// Child process of faults-native.test.ts: calls the JS API (@gazecoder/torch) and the raw addon
// beneath it (@gazecoder/native's loadAddon(), so that the binding's own checks are reached without
// the TS ones) with generated tensor and option arguments: wrong types, NaN, infinities, fractions,
// negative and huge dims, mismatched data, getters that throw. Every call must return, resolve, or
// throw/reject a JS Error; the summary line counts the outcomes. Plain JS, run with node outside jest,
// so that an abort in the addon shows as this process's death, not jest's.
'use strict';
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const [torchEntry, nativeEntry, arch, weightsFile, dataset, callsArg, seedArg] = process.argv.slice(2);
const torch = require(torchEntry);
const addon = require(nativeEntry).loadAddon();
const CALLS = Number(callsArg);
const TIMEOUT_MS = 60_000;

// synth's seeded generator: the same calls on every run.
const random = require('@gazecoder/formats').rng(Number(seedArg));
const below = (n) => Math.floor(random() * n);
const pick = (items) => items[below(items.length)];
const chance = (p) => random() < p;

const scratch = mkdtempSync(join(tmpdir(), 'gazecoder-fuzz-'));
const getterError = () => new Error('getter boom');
const throwing = () => {
  const o = {};
  for (const key of ['data', 'shape', 'arch', 'kind', 'dataset', 'videos', 'verifyCrc', 'train', 'channelsLast', 'steps', 'out']) {
    Object.defineProperty(o, key, { enumerable: true, get() { throw getterError(); } });
  }
  return o;
};
const proxy = () => new Proxy({}, { get() { throw getterError(); }, has() { throw getterError(); } });

// Numbers a JS caller can pass where a size or count belongs.
const NUMBERS = [0, -0, 1, 2, 3, 5, 8, 32, -1, -5, 1.5, 0.1, NaN, Infinity, -Infinity, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, 2 ** 62 + 1024, -(2 ** 62), 1e20, 1e308, Number.MIN_VALUE];
// ... and what is not a number at all.
const OTHERS = [undefined, null, true, false, '', 'x', '3', [], [1], {}, Symbol('s'), 10n, () => 1, new Float32Array(4), new Float64Array(4), new Int32Array(4), new ArrayBuffer(8), new Date(0), Object.create(null)];
const BAD_NUMBERS = [-1, -5, 1.5, 0.1, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 62 + 1024, -(2 ** 62), 1e20, 1e308, 'x', undefined, null, {}, [], true, 10n];
const anything = () => (chance(0.15) ? pick([throwing(), proxy()]) : chance(0.5) ? pick(NUMBERS) : pick(OTHERS));

function shape() {
  if (chance(0.08)) return anything();
  const length = chance(0.05) ? 17 + below(3) : below(7);
  return Array.from({ length }, () => (chance(0.7) ? pick([1, 2, 3, 5, 8]) : chance(0.7) ? pick(NUMBERS) : pick(OTHERS)));
}
function data() {
  if (chance(0.1)) return pick([new Float64Array(960), new Int8Array(960), new Uint8Array(4), [1, 2, 3], 'data', null, undefined, new ArrayBuffer(16)]);
  return new Float32Array(pick([0, 1, 5, 25, 60, 75, 960, 4096]));
}
// A tensor-like value: mostly { data, shape }, sometimes with a shape that matches its data.
function tensor() {
  const r = random();
  if (r < 0.1) return anything();
  if (r < 0.35) {
    const valid = pick([[[1, 5, 3, 8, 8], 960], [[1, 5, 5], 25], [[12, 5], 60], [[5, 3, 8, 8], 960], [[0, 5, 3, 8, 8], 0], [[1, 5, 3, 4, 5], 300], [[4096], 4096]]);
    return { data: new Float32Array(valid[1]), shape: valid[0] };
  }
  if (r < 0.4) return { data: new Float32Array(4), shape: [4], extra: anything() };
  if (r < 0.45) return throwing();
  return { data: data(), shape: shape() };
}
const maybe = (make) => (chance(0.3) ? undefined : make());
const options = (keys) => {
  if (chance(0.1)) return anything();
  const o = {};
  for (const key of keys) if (chance(0.5)) o[key] = chance(0.3) ? pick([true, false, 'cpu', 'float16', 'gaze']) : anything();
  return o;
};
const path = () => pick([weightsFile, join(scratch, 'saved.pth'), '', 'a\u0000b', '/nonexistent/dir/x.pth', scratch, '/dev/null', '/dev/zero', weightsFile + '.missing', 42, null, undefined, {}, throwing()]);
const dtype = () => pick(['float32', 'float64', 'float16', 'bfloat16', 'int8', 'FLOAT32', '', 'float32\u0000', 1, null, undefined, {}]);

let model;  // @gazecoder/torch's Model
let raw;    // the addon's model handle beneath it

// Each call: [what it calls, the names its errors may use, a function doing it].
const CALLS_BY_KIND = [
  ['Model.forward', ['images', 'boxes'], () => model.forward(tensor(), maybe(tensor), pick([undefined, {}, { train: anything() }, anything()]))],
  ['Model.encodeImages', ['images'], () => model.encodeImages(tensor())],
  ['Model.predictFromEmbeddings', ['embeddings', 'boxes'], () => model.predictFromEmbeddings(tensor(), tensor())],
  ['native forward', ['images', 'boxes'], () => raw.forward(tensor(), maybe(tensor), anything())],
  ['native encodeImages', ['images'], () => raw.encodeImages(tensor())],
  ['native predictFromEmbeddings', ['embeddings', 'boxes'], () => raw.predictFromEmbeddings(tensor(), tensor())],
  ['Model.loadWeights', ['path', 'options', 'verifyCrc'], () => model.loadWeights(path(), chance(0.5) ? undefined : options(['verifyCrc']))],
  ['native loadWeights', ['path', 'options', 'verifyCrc'], () => raw.loadWeights(path(), chance(0.5) ? undefined : options(['verifyCrc']))],
  ['native saveWeights', ['path'], () => raw.saveWeights(path())],
  ['native convert', ['dtype'], () => raw.convert(dtype(), anything())],
  ['native describe', [], () => raw.describe(anything())],
  ['Model.create', ['spec', 'arch', 'kind', 'numClasses', 'window', 'device'], async () => {
    const spec = chance(0.2) ? anything() : { arch: pick([arch, 'resnet18', 'nope', 'regnet:depth=-1', 'regnet:depth=1e9,w0=1,wa=1,wm=2', anything()]), ...options(['kind', 'numClasses', 'window', 'device']) };
    const made = await torch.Model.create(spec);
    made.dispose();
  }],
  ['native createModel', ['spec', 'arch', 'kind', 'numClasses', 'window', 'device'], async () => {
    const spec = chance(0.2) ? anything() : { arch: pick([arch, 'resnet18', '', anything()]), kind: pick(['gaze', 'backbone', anything()]), numClasses: anything(), window: anything(), device: pick(['cpu', 'cuda:99', 'tpu', anything()]) };
    (await addon.createModel(spec)).dispose();
  }],
  ['native predictWindows', ['options', 'videos', 'imageSize', 'windowSize', 'stride', 'mean', 'std', 'batchSize', 'workers', 'id', 'dir'], () => raw.predictWindows(chance(0.1) ? anything() : {
    videos: chance(0.3) ? anything() : [{ id: pick(['v', anything()]), dir: pick([join(dataset, 'videos', 'val-03'), '/nonexistent', anything()]) }],
    imageSize: chance(0.5) ? 32 : anything(),
    ...options(['windowSize', 'stride', 'batchSize', 'workers']),
    mean: pick([undefined, [0.5, 0.5, 0.5], [NaN, 0, 0], [1, 2], 'x', [1e308, -1e308, 0]]),
    std: pick([undefined, [0.5, 0.5, 0.5], [0, 0, 0], [-1, 1, 1], [Infinity, 1, 1]]),
  })],
  ['Model.predictWindows', ['options', 'dataset', 'split', 'windowSize', 'stride', 'batchSize', 'workers', 'mean', 'std', 'manifest'], () => model.predictWindows(chance(0.1) ? anything() : {
    dataset: pick([dataset, '/nonexistent', anything()]), split: pick(['val', 'test', 'nope', anything()]), ...options(['windowSize', 'stride', 'batchSize', 'workers']),
  })],
  ['native createRetinaFace', ['options', 'weights', 'device', 'verifyCrc'], async () => (await addon.createRetinaFace(chance(0.2) ? anything() : { weights: path(), ...options(['device', 'verifyCrc']) })).dispose()],
  ['native createFaceClassifier', ['options', 'weights', 'device', 'verifyCrc'], async () => (await addon.createFaceClassifier(chance(0.2) ? anything() : { weights: path(), ...options(['device', 'verifyCrc']) })).dispose()],
  ['RetinaFace.load', ['options', 'weights', 'device', 'verifyCrc'], async () => (await torch.RetinaFace.load(chance(0.2) ? anything() : { weights: path(), ...options(['device']) })).dispose()],
  ['setThreads', ['threads'], () => (chance(0.5) ? torch.setThreads(pick(BAD_NUMBERS)) : addon.setThreads(pick(BAD_NUMBERS)))],
  ['native selfTest', ['options', 'steps', 'batchSize', 'imageSize', 'seed', 'device'], () => addon.selfTest(chance(0.2) ? anything() : { [pick(['steps', 'batchSize', 'imageSize', 'seed'])]: pick(BAD_NUMBERS), device: pick([undefined, 'cpu', 'cuda:7', 3]) })],
  ['native quickExit', ['code'], () => addon.quickExit(pick([256, -1, 1.5, NaN, Infinity, 2 ** 53, 'x', undefined, null, {}, [], 10n]))],
  ['native startTraining', ['options', 'onEvent', 'startTraining', 'dataset', 'out', 'videos', 'imageSize', 'batchSize', 'epochs', 'workers', 'seed', 'lr', 'arch', 'logEvery', 'earlyStopping', 'checkpointEvery', 'device', 'amp', 'optimizer', 'resume', 'channelsLast'], () => new Promise((resolve, reject) => {
    const out = join(scratch, `run-${below(1e9)}`);
    const request = chance(0.1) ? anything() : {
      dataset: pick([dataset, '/nonexistent', anything()]), out: pick([out, '', anything()]), videos: pick([[], [{ id: 'x', dir: '/nonexistent', split: 'train' }], anything()]), imageSize: pick([32, anything()]), arch,
      ...options(['batchSize', 'epochs', 'workers', 'seed', 'lr', 'logEvery', 'earlyStopping', 'checkpointEvery', 'device', 'amp', 'optimizer', 'resume', 'channelsLast']),
    };
    const onEvent = chance(0.1) ? anything() : (message) => {
      if (message.type === 'error') reject(new Error(message.message));
      else if (message.type === 'done') resolve();
    };
    addon.startTraining(request, onEvent).stop();
  })],
];

const counts = {};
const unnamed = [];
const samples = {};
let passedThrough = 0;

function classify(kind, names, error) {
  if (!(error instanceof Error)) return `non-Error ${typeof error}`;
  if (error.message === 'getter boom') {
    passedThrough += 1;
    return 'getter error passed through';
  }
  if (error.message === '' || error.message.includes('unknown native error')) return `unexplained ${error.constructor.name}`;
  if ((error instanceof TypeError || error instanceof RangeError) && names.length > 0 && !names.some((n) => error.message.includes(n))) {
    if (unnamed.length < 100) unnamed.push(`${kind}: ${error.constructor.name}: ${error.message}`);
  }
  const outcome = error.constructor.name;
  samples[outcome] ??= [];
  if (samples[outcome].length < 6 && !samples[outcome].some((m) => m.startsWith(kind))) samples[outcome].push(`${kind}: ${error.message.split('\n')[0]}`);
  return outcome;
}

async function call(kind, names, fn) {
  let timer;
  const hang = new Promise((resolve) => {
    timer = setTimeout(() => resolve('hang'), TIMEOUT_MS);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(fn), hang]);
    return result === 'hang' ? 'hang' : 'ok';
  } catch (error) {
    return classify(kind, names, error);
  } finally {
    clearTimeout(timer);
  }
}

async function main() {
  model = await torch.Model.create({ arch, kind: 'gaze', device: 'cpu' });
  raw = await addon.createModel({ arch, kind: 'gaze', device: 'cpu' });
  await model.loadWeights(weightsFile);
  for (let i = 0; i < CALLS; i += 1) {
    const [kind, names, fn] = pick(CALLS_BY_KIND);
    const outcome = await call(kind, names, fn);
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    if (outcome === 'hang') {
      process.stdout.write(`${JSON.stringify({ hang: kind, call: i })}\n`);
      process.exit(3);
    }
  }
  // The model still works after all that.
  const out = await model.forward({ data: new Float32Array(960), shape: [1, 5, 3, 8, 8] }, { data: new Float32Array(25), shape: [1, 5, 5] });
  model.dispose();
  raw.dispose();
  rmSync(scratch, { recursive: true, force: true });
  process.stdout.write(`${JSON.stringify({ calls: CALLS, counts, passedThrough, unnamed, samples, finalForward: out.shape })}\n`);
}

main().catch((error) => {
  process.stderr.write(`api-fuzz: ${error && error.stack}\n`);
  process.exit(2);
});
