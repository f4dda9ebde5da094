// `gazecoder model` and the Model API against Debian's PyTorch/torchvision, end to end.
import { readFileSync, truncateSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';

import { readFloat32Npy } from '@gazecoder/formats';
import { Model } from '@gazecoder/torch';

import { gazecoder, maxRelativeError, python, tempDir } from './helpers/run';

const ARCH = 'regnet_y_400mf';
let dir: { path: string; cleanup: () => void };
const file = (name: string) => join(dir.path, name);

beforeAll(() => {
  dir = tempDir('model');
  const made = python('model_cli_reference.py', 'make-gaze', ARCH, '5', dir.path);
  expect(made.stderr).toBe('');
  expect(made.code).toBe(0);
});
afterAll(() => dir.cleanup());

describe('gazecoder model --gaze', () => {
  it('loads PyTorch weights and reproduces the reference output (Python -> ours)', async () => {
    const run = gazecoder('model', '--arch', ARCH, '--gaze', '--weights', file('weights.pth'), '--input', file('images.npy'), '--boxes', file('boxes.npy'), '--output', file('ours.npy'), '--json');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const summary = JSON.parse(run.stdout);
    expect(summary).toMatchObject({ arch: ARCH, kind: 'gaze', weights: { interpretedAs: 'checkpoint', skipped: [] }, output: { shape: [2, 3], mode: 'eval' } });
    const error = maxRelativeError(await readFloat32Npy(file('ours.npy')), await readFloat32Npy(file('expected.npy')));
    expect(error).toBeLessThan(1e-5);
  });

  it('saves weights that PyTorch strict-loads and that reproduce our output (ours -> Python)', () => {
    const run = gazecoder('model', '--arch', ARCH, '--save', file('saved.pth'), '--input', file('images.npy'), '--boxes', file('boxes.npy'), '--output', file('fresh.npy'));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`saved ${file('saved.pth')}`);
    const check = python('model_cli_reference.py', 'check-gaze', ARCH, '5', file('saved.pth'), file('images.npy'), file('boxes.npy'), file('fresh.npy'));
    expect(check.stderr).toBe('');
    expect(check.code).toBe(0);
  });

  it('takes a DDP checkpoint (module. prefix) like iCatcher+ does', () => {
    const rename = 'import torch,sys; sd=torch.load(sys.argv[1]); torch.save({"module."+k: v for k, v in sd.items()}, sys.argv[2])';
    expect(python('run_inline.py', rename, file('weights.pth'), file('ddp.pth')).code).toBe(0);
    const run = gazecoder('model', '--arch', ARCH, '--weights', file('ddp.pth'), '--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).weights.loaded).toContain('encoder_img.stem.0.weight');
  });
});

describe('torchvision backbone weights', () => {
  let backbone: { path: string; cleanup: () => void };
  beforeAll(() => {
    backbone = tempDir('backbone');
    expect(python('model_cli_reference.py', 'make-backbone', ARCH, '1000', backbone.path).code).toBe(0);
  });
  afterAll(() => backbone.cleanup());

  it('reproduces torchvision in eval and train mode', async () => {
    for (const mode of ['eval', 'train'] as const) {
      const out = join(backbone.path, `ours_${mode}.npy`);
      const args = ['model', '--arch', ARCH, '--backbone', '--weights', join(backbone.path, 'weights.pth'), '--input', join(backbone.path, 'images.npy'), '--output', out];
      const run = gazecoder(...args, ...(mode === 'train' ? ['--train-mode'] : []));
      expect(run.code).toBe(0);
      expect(maxRelativeError(await readFloat32Npy(out), await readFloat32Npy(join(backbone.path, `expected_${mode}.npy`)))).toBeLessThan(1e-5);
    }
  });

  it('go into encoder_img of a gaze model, with the 1000-class fc reported as skipped', () => {
    const run = gazecoder('model', '--arch', ARCH, '--gaze', '--weights', join(backbone.path, 'weights.pth'));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(read as torchvision backbone)');
    expect(run.stdout).toContain('skipped encoder_img.fc.weight');
    expect(run.stdout).toContain('skipped encoder_img.fc.bias');
  });

  it('fit a backbone with another number of classes, keeping its own fc', async () => {
    await using model = await Model.create({ arch: ARCH, kind: 'backbone', numClasses: 7 });
    const report = await model.loadWeights(join(backbone.path, 'weights.pth'));
    expect(report.skipped).toEqual(['fc.weight', 'fc.bias']);
    expect(report.loaded).toContain('trunk_output.block1.block1-0.f.se.fc1.weight');
  });
});

describe('the Model API', () => {
  it('reports parameter counts and torchvision key names', async () => {
    await using big = await Model.create({ arch: 'regnet_y_16gf', kind: 'gaze' });
    expect(big.parameterCount).toBe(82_984_855);
    expect(big.state).toHaveLength(453);
    expect(big.state[0]).toEqual({ key: 'encoder_img.stem.0.weight', shape: [32, 3, 3, 3] });
    await using bare = await Model.create({ arch: 'regnet_y_16gf', kind: 'backbone' });
    expect(bare.parameterCount).toBe(83_590_140);
  });

  it('frees the native model on dispose and refuses further calls', async () => {
    const model = await Model.create({ arch: 'resnet18', kind: 'backbone', numClasses: 3 });
    model.dispose();
    model.dispose();
    expect(() => model.saveWeights(file('x.pth'))).toThrow('this resnet18 model has been disposed');
  });

  it("built with init 'skip' for loading, gives PyTorch's output once loaded; an unknown init is named", async () => {
    await using model = await Model.create({ arch: ARCH, kind: 'gaze', init: 'skip' });
    await model.loadWeights(file('weights.pth'));
    const output = await model.forward(await readFloat32Npy(file('images.npy')), await readFloat32Npy(file('boxes.npy')));
    expect(maxRelativeError(output, await readFloat32Npy(file('expected.npy')))).toBeLessThan(1e-5);
    await expect(Model.create({ arch: ARCH, init: 'none' as 'skip' })).rejects.toThrow("init must be 'torchvision' or 'skip', got 'none'");
  });

  it('keeps outputs close after channels_last and float64 conversion', async () => {
    await using model = await Model.create({ arch: ARCH, kind: 'gaze' });
    await model.loadWeights(file('weights.pth'));
    const images = await readFloat32Npy(file('images.npy'));
    const boxes = await readFloat32Npy(file('boxes.npy'));
    const expected = await readFloat32Npy(file('expected.npy'));
    await model.convert('float32', { channelsLast: true });
    expect(maxRelativeError(await model.forward(images, boxes), expected)).toBeLessThan(1e-4);
    await model.convert('float64');
    expect(maxRelativeError(await model.forward(images, boxes), expected)).toBeLessThan(1e-5);
  });
});

describe('bad input gets a clear error', () => {
  it.each([
    ['truncated', (p: string) => truncateSync(p, 5000), /weights\.pth/],
    ['not a checkpoint', (p: string) => writeFileSync(p, 'hello, I am text'), /weights\.pth/],
  ])('%s weights file', (_name, damage, message) => {
    const bad = tempDir('bad');
    const target = join(bad.path, 'weights.pth');
    copyFileSync(file('weights.pth'), target);
    damage(target);
    const run = gazecoder('model', '--arch', ARCH, '--weights', target);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/Segmentation|Aborted|terminate called/);
    bad.cleanup();
  });

  it('lists missing and unexpected keys and wrong shapes when weights belong to another model', () => {
    const run = gazecoder('model', '--arch', 'regnet_y_800mf', '--weights', file('weights.pth'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('does not fit regnet_y_800mf GazeCodingModel');
    expect(run.stderr).toMatch(/shape/);
    expect(run.stderr).toMatch(/encoder_img\.trunk_output\.block\d\.block\d-\d/);
  });

  it('names a missing file, a wrong dtype and wrong input shapes', () => {
    expect(gazecoder('model', '--arch', ARCH, '--weights', file('nope.pth')).stderr).toContain(file('nope.pth'));
    const f64 = file('f64.npy');
    expect(python('run_inline.py', 'import numpy as np,sys; np.save(sys.argv[1], np.zeros((1,3,8,8)))', f64).code).toBe(0);
    const wrongDtype = gazecoder('model', '--arch', ARCH, '--backbone', '--input', f64, '--output', file('o.npy'));
    expect(wrongDtype.stderr).toContain(`${f64}: dtype <f8 is not supported`);
    const wrongShape = gazecoder('model', '--arch', ARCH, '--input', file('boxes.npy'), '--boxes', file('boxes.npy'), '--output', file('o.npy'));
    expect(wrongShape.code).toBe(1);
    expect(wrongShape.stderr).toMatch(/^gazecoder: .*images/m);
  });

  it('names contradictory flags and unknown architectures', () => {
    expect(gazecoder('model', '--arch', ARCH, '--gaze', '--backbone').stderr).toContain('--backbone and --gaze exclude each other');
    expect(gazecoder('model', '--arch', ARCH, '--input', file('images.npy'), '--output', file('o.npy')).stderr).toContain('needs --boxes');
    expect(gazecoder('model', '--arch', ARCH, '--num-classes', '3').stderr).toContain('--num-classes applies to --backbone models only');
    expect(gazecoder('model', '--arch', ARCH, '--backbone', '--window', '3').stderr).toContain('--window applies to --gaze models only');
    expect(gazecoder('model', '--arch', ARCH, '--boxes', file('b.npy')).stderr).toContain('--boxes needs --input');
    expect(gazecoder('model', '--arch', ARCH, '--output', file('o.npy')).stderr).toContain('--output needs --input FILE.npy');
    expect(gazecoder('model', '--arch', 'regnet_z_9gf').stderr).toMatch(/--arch: unknown architecture 'regnet_z_9gf'; known: .*regnet_y_16gf.*, or a custom RegNet such as regnet:depth=/);
  });
});

describe('file formats', () => {
  it('writes .npy files that numpy reads back', () => {
    const check = python('run_inline.py', 'import numpy as np,sys; a=np.load(sys.argv[1]); assert a.dtype==np.float32 and a.shape==(2,3), a', file('ours.npy'));
    expect(check.stderr).toBe('');
    expect(readFileSync(file('ours.npy')).subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  });
});
