// iCatcher+'s released models run as iCatcher+ runs them (issue 18), end to end through `npx gazecoder`:
// an archive in the layout of its model zip (random RetinaFace and infant-classifier weights in the
// released files' key layout, the annotate tests' seeded gaze model as icatcher+_lookit_regnet.pth)
// goes into the cache with `models fetch --from`; `annotate --icatcher-defaults` (RetinaFace at 0.9,
// iCatcher+'s face selection, the cached model by name) and `--face-classifier lookit` must write what
// a Python transcription of iCatcher+'s CLI writes (test/python/icatcher_cli_reference.py), and
// `faces --detector retinaface` must find its boxes. The real released files are used where cached.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { modelCacheFolder, cachedArchive } from '@gazecoder/models';
import { opencv } from '@gazecoder/opencv';
import { createDetector, detectorSpec, InfantFaces } from '@gazecoder/preprocess';
import { InfantFaceClassifier, RetinaFace } from '@gazecoder/torch';
import { buildLookitFixture } from '@gazecoder/synth';
import { boxedPhotos } from '@gazecoder/test-helpers';

import { annotateFixturePaths, makeAnnotateFixture, TOTAL_FRAMES } from './helpers/annotate-fixture';
import { python, tempDir, type RunResult } from './helpers/run';

const tmp = tempDir('icatcher-models');
const { video, checkpoint } = annotateFixturePaths(tmp.path);
const cache = join(tmp.path, 'cache');
const retinaface = join(tmp.path, 'Resnet50_Final.pth');
const classifier = join(tmp.path, 'face_classifier_lookit.pth');
/** The per-frame boxes and picks of the Python reference, without and with the classifier. */
const reference: Record<'plain' | 'classifier', Array<{ boxes: number[][]; selected: number | null }>> = { plain: [], classifier: [] };

/** `npx gazecoder …` with the test's model cache. */
function run(...args: string[]) {
  return gazecoderWith({ GAZECODER_CACHE: cache }, ...args);
}
/**
 * `npx gazecoder …` with `env` added (given to the child: Jest's process.env is not the one a child
 * inherits), on 2 threads as the Python reference: a convolution's sums are split by thread, so other
 * thread counts differ in the last bits.
 */
function gazecoderWith(env: NodeJS.ProcessEnv, ...args: string[]): RunResult {
  const child = spawnSync('npx', ['gazecoder', ...args], { encoding: 'utf8', env: { ...process.env, GAZECODER_THREADS: '2', ...env } });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

beforeAll(() => {
  makeAnnotateFixture(tmp.path);
  const made = python('face_models_fixture.py', tmp.path, video, checkpoint);
  expect(made.stderr).toBe('');
  expect(made.code).toBe(0);
  const fetched = run('models', 'fetch', 'icatcher+', '--from', join(tmp.path, 'icatcher+_models.zip'), '--offline');
  expect(fetched.stderr).not.toMatch(/gazecoder:/);
  expect(fetched.code).toBe(0);
  for (const [which, extra] of [['plain', []], ['classifier', ['--fc', classifier]]] as const) {
    const ref = python('icatcher_cli_reference.py', video, checkpoint, 'regnet_y_400mf', retinaface, join(tmp.path, `reference-${which}.txt`), ...extra);
    expect(ref.stderr).toBe('');
    expect(ref.code).toBe(0);
    reference[which] = JSON.parse(ref.stdout);
  }
}, 900_000);
afterAll(() => tmp.cleanup());

describe("iCatcher+'s models in the cache, run as iCatcher+ runs them", () => {
  it('the random RetinaFace finds faces on most frames and several on some, so that selection matters', () => {
    const counts = reference.plain.map((f) => f.boxes.length);
    expect(counts).toHaveLength(TOTAL_FRAMES);
    expect(counts.filter((n) => n > 0).length).toBeGreaterThan(TOTAL_FRAMES / 2);
    expect(counts.filter((n) => n > 1).length).toBeGreaterThan(3);
    // The classifier calls some faces an infant's and not others.
    const picks = reference.classifier.filter((f) => f.boxes.length > 0);
    expect(picks.some((f) => f.selected === null)).toBe(true);
    expect(picks.some((f) => f.selected !== null)).toBe(true);
  });

  it('faces --detector retinaface finds the boxes iCatcher+ takes from RetinaFace, frame by frame', () => {
    const faces = run('faces', video, '--detector', 'retinaface', '--json');
    expect(faces.stderr).not.toMatch(/gazecoder:/);
    expect(faces.code).toBe(0);
    const frames = (JSON.parse(faces.stdout) as { confidence: number; frames: Array<{ faces: Array<{ x: number; y: number; width: number; height: number }> }> });
    expect(frames.confidence).toBe(0.9);
    expect(frames.frames.map((f) => f.faces.map((b) => [b.x, b.y, b.width, b.height]))).toEqual(reference.plain.map((f) => f.boxes));
  });

  it('annotate --icatcher-defaults writes what iCatcher+\'s CLI writes with RetinaFace and the cached RegNet model', () => {
    const out = join(tmp.path, 'defaults');
    const done = run('annotate', video, '--icatcher-defaults', '--arch', 'regnet_y_400mf', '--device', 'cpu', '--output-dir', out);
    expect(done.stderr).not.toMatch(/gazecoder:/);
    expect(done.code).toBe(0);
    const ours = readFileSync(join(out, 'baby.txt'), 'utf8');
    expect(ours).toBe(readFileSync(join(tmp.path, 'reference-plain.txt'), 'utf8'));
    // Frames without a face are noface; the others were coded.
    expect(ours).toMatch(/, noface, -1\.00\n/);
    expect(ours).toMatch(/, (left|right|away), 0\.\d\d\n/);
  });

  it('annotate --face-classifier lookit codes the infant face nearest the bottom centre, nobabyface where it sees none, as iCatcher+ --use_fc_model', () => {
    const out = join(tmp.path, 'classifier');
    const done = run('annotate', video, '--icatcher-defaults', '--face-classifier', 'lookit', '--arch', 'regnet_y_400mf', '--device', 'cpu', '--output-dir', out);
    expect(done.stderr).not.toMatch(/gazecoder:/);
    expect(done.code).toBe(0);
    const ours = readFileSync(join(out, 'baby.txt'), 'utf8');
    expect(ours).toBe(readFileSync(join(tmp.path, 'reference-classifier.txt'), 'utf8'));
    expect(ours).toMatch(/, nobabyface, -1\.00\n/);
    expect(ours).not.toBe(readFileSync(join(tmp.path, 'reference-plain.txt'), 'utf8'));
  });

  it('preprocess --detector retinaface --jobs 2 builds the dataset with RetinaFace in each worker, and the manifest says so', () => {
    const raw = join(tmp.path, 'lookit');
    buildLookitFixture(raw, [
      { id: 'aaaaaaaa-0000-4000-8000-00000000000a', child: 'c1', which: '1_train', frames: 12, coder1: ['0,0,left', '200,0,right', '390,0,end'] },
      { id: 'aaaaaaaa-0000-4000-8000-00000000000b', child: 'c2', which: '1_validate', frames: 12, coder1: ['0,0,away', '390,0,end'] },
    ]);
    const done = run('preprocess', raw, join(tmp.path, 'dataset'), '--detector', 'retinaface', '--face-model', 'Resnet50_Final', '--jobs', '2', '--json');
    expect(done.stderr).not.toMatch(/gazecoder:/);
    expect(done.code).toBe(0);
    expect((JSON.parse(done.stdout) as { processed: string[] }).processed).toHaveLength(2);
    const manifest = JSON.parse(readFileSync(join(tmp.path, 'dataset', 'manifest.json'), 'utf8')) as { detector: { name: string; confidence: number } };
    expect(manifest.detector).toMatchObject({ name: 'retinaface', confidence: 0.9 });
  });

  it('says which command fetches a model that is not cached, and names a bad file or flag', () => {
    const empty = { GAZECODER_CACHE: join(tmp.path, 'empty-cache') };
    const uncached = gazecoderWith(empty, 'annotate', video, '--icatcher-defaults', '--device', 'cpu', '--output-dir', join(tmp.path, 'x'));
    expect(uncached.code).not.toBe(0);
    expect(uncached.stderr).toContain('icatcher+_lookit_regnet: not in the model cache');
    expect(uncached.stderr).toContain('npx gazecoder models fetch icatcher+');
    const noDetector = gazecoderWith(empty, 'annotate', video, '--model', checkpoint, '--arch', 'regnet_y_400mf', '--detector', 'retinaface', '--device', 'cpu', '--output-dir', join(tmp.path, 'x'));
    expect(noDetector.stderr).toContain('Resnet50_Final.pth: not in the model cache');
    expect(noDetector.stderr).toContain('npx gazecoder models fetch icatcher+');

    const truncated = join(tmp.path, 'truncated.pth');
    writeFileSync(truncated, readFileSync(retinaface).subarray(0, 1_000_000));
    const bad = run('faces', video, '--detector', 'retinaface', '--face-model', truncated);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain(truncated);
    expect(bad.stderr).not.toMatch(/Aborted|core dumped|Segmentation/);
    const notRetina = run('faces', video, '--detector', 'retinaface', '--face-model', classifier);
    expect(notRetina.stderr).toContain(`${classifier}: not a RetinaFace (ResNet-50) state dict`);
    const missing = run('annotate', video, '--icatcher-defaults', '--arch', 'regnet_y_400mf', '--face-classifier', join(tmp.path, 'nope.pth'), '--output-dir', join(tmp.path, 'x'));
    expect(missing.stderr).toContain(`${join(tmp.path, 'nope.pth')}: no such file (--face-classifier`);
    const both = run('annotate', video, '--icatcher-defaults', '--arch', 'regnet_y_400mf', '--face-classifier', 'lookit', '--face-selection', 'lowest', '--output-dir', join(tmp.path, 'x'));
    expect(both.stderr).toContain('--face-classifier chooses the face itself');
    const wrongDetector = run('faces', video, '--detector', 'retina');
    expect(wrongDetector.stderr).toContain("--detector must be blazeface, res10, retinaface, got 'retina'");
    expect(existsSync(join(tmp.path, 'x'))).toBe(false);
  });
});

describe('the face models through the API: bad arguments are named, never a native abort', () => {
  it('RetinaFace and the classifier refuse frames and crops that are not 8-bit 3-channel images, and calls after dispose()', async () => {
    const detector = await RetinaFace.load({ weights: retinaface });
    const frame = { data: new Uint8Array(32 * 24 * 3), width: 32, height: 24 };
    expect(await detector.detect([frame])).toHaveLength(1);
    await expect(detector.detect([{ ...frame, data: new Uint8Array(10) }])).rejects.toThrow('frames[0].data has 10 bytes, but a 32×24 3-channel image has 2304');
    await expect(detector.detect([{ ...frame, data: new Float32Array(2304) as unknown as Uint8Array }])).rejects.toThrow('frames[0].data must be a Uint8Array');
    await expect(detector.detect([{ ...frame, width: 0 }])).rejects.toThrow(/width/);
    await expect(detector.detect([frame, { data: new Uint8Array(33 * 24 * 3), width: 33, height: 24 }])).rejects.toThrow('frames[1] is 33×24, frames[0] 32×24: one batch takes one size');
    await expect(detector.detect([])).rejects.toThrow('frames must hold at least one frame');
    await expect(detector.detect('frame' as unknown as [])).rejects.toThrow(/frames must be an array/);
    detector.dispose();
    await expect(detector.detect([frame])).rejects.toThrow('this RetinaFace has been disposed');
    await expect(RetinaFace.load({ weights: join(tmp.path, 'nope.pth') })).rejects.toThrow(join(tmp.path, 'nope.pth'));
    await expect(RetinaFace.load({ weights: retinaface, device: 'tpu' })).rejects.toThrow(/tpu/);

    const infants = await InfantFaceClassifier.load({ weights: classifier });
    expect(await infants.classify([])).toEqual([]);
    const [one] = await infants.classify([{ data: new Uint8Array(7 * 5 * 3).fill(128), width: 7, height: 5 }]);
    expect([0, 1]).toContain(one?.label);
    await expect(infants.classify([{ data: new Uint8Array(3), width: 2, height: 2 }])).rejects.toThrow('crops[0].data has 3 bytes');
    infants.dispose();
    await expect(InfantFaceClassifier.load({ weights: retinaface })).rejects.toThrow('not an infant-face classifier');
  });
});

// The released files cannot be downloaded where the tests run; where a user's cache holds them, these
// load them and check what iCatcher+'s own tests check.
const released = cachedArchive('icatcher+', modelCacheFolder());
const withReleased = released && released.files['Resnet50_Final.pth'] !== undefined ? describe : describe.skip;
if (!released) console.log(`icatcher-models.test.ts: iCatcher+'s released models are not in ${modelCacheFolder()}; the tests of the real files are skipped (npx gazecoder models fetch icatcher+ brings them)`);
withReleased("iCatcher+'s released files (from the user's model cache)", () => {
  it('RetinaFace (Resnet50_Final.pth) finds every hand-boxed face of 40 px or more on real photos, and nothing on a plain frame', async () => {
    const detector = await createDetector(detectorSpec({ name: 'retinaface' }));
    const cv = opencv();
    for (const photo of boxedPhotos()) {
      // As the album shows it: the boxes are in that orientation.
      const image = cv.imread(photo.path);
      const [faces = []] = await detector.detect([photo.angle === 90 ? image.rotate(cv.ROTATE_90_CLOCKWISE) : image]);
      expect({ photo: photo.path, faces: faces.length }).toEqual({ photo: photo.path, faces: photo.faces.length });
    }
    const [none = []] = await detector.detect([new cv.Mat(480, 640, cv.CV_8UC3, [90, 120, 150])]);
    expect(none).toEqual([]);
    detector.dispose?.();
  });

  it('the Lookit infant-face classifier loads and classifies', async () => {
    const infants = await InfantFaces.load({ weights: 'lookit' });
    const cv = opencv();
    const photo = boxedPhotos().find((p) => p.angle === 0)!;
    const marked = await infants.mark(cv.imread(photo.path), photo.faces.map((f) => ({ ...f, score: 1 })));
    expect(marked.every((b) => typeof b.infant === 'boolean')).toBe(true);
    infants.dispose();
  });
});
