// Face crops: PIL-identical antialiased resizing, BGR → RGB, box features, face selection.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { FaceBox } from '../src/detect/face-box';
import { boxFeatures } from '../src/faces/box-features';
import { cropFace } from '../src/faces/crop';
import { faceSelector } from '../src/faces/face-selection';
import { resizeLikePil } from '../src/faces/pil-resize';
import { rng } from '@gazecoder/formats';
import { python, tempDir } from '@gazecoder/test-helpers';

describe("PIL's bilinear resize", () => {
  it('matches Image.resize((w, h), BILINEAR) exactly, down and up', () => {
    const dir = tempDir('resize');
    try {
      const random = rng(11);
      const cases: Array<[number, number, number, number]> = [
        [37, 53, 100, 100],
        [250, 180, 100, 100],
        [100, 100, 100, 100],
        [64, 200, 100, 100],
        [7, 3, 100, 100],
        [301, 299, 64, 48],
      ];
      cases.forEach(([w, h], i) => writeFileSync(join(dir.path, `${i}.raw`), Uint8Array.from({ length: w * h * 3 }, () => Math.floor(random() * 256))));
      python(
        `import json, sys
from PIL import Image
for i, (w, h, W, H) in enumerate(json.loads(sys.argv[2])):
    img = Image.frombytes("RGB", (w, h), open(f"{sys.argv[1]}/{i}.raw", "rb").read())
    open(f"{sys.argv[1]}/{i}.pil", "wb").write(img.resize((W, H), Image.BILINEAR).tobytes())`,
        dir.path,
        JSON.stringify(cases),
      );
      cases.forEach(([w, h, W, H], i) => {
        const src = readFileSync(join(dir.path, `${i}.raw`));
        const ours = resizeLikePil({ data: src, width: w, height: h, channels: 3 }, W, H);
        const pil = readFileSync(join(dir.path, `${i}.pil`));
        expect([ours.width, ours.height]).toEqual([W, H]);
        expect(Buffer.from(ours.data).equals(pil)).toBe(true);
      });
    } finally {
      dir.cleanup();
    }
  });
});

describe('face crops', () => {
  it('cuts the box from a BGR frame and stores it RGB', () => {
    // 4×2 BGR frame: left half blue, right half red.
    const data = new Uint8Array(4 * 2 * 3);
    for (let p = 0; p < 8; p += 1) data.set(p % 4 < 2 ? [255, 0, 0] : [0, 0, 255], p * 3);
    const crop = cropFace({ data, width: 4, height: 2 }, { x: 2, y: 0, width: 2, height: 2 }, 2);
    expect(Array.from(crop)).toEqual([255, 0, 0, 255, 0, 0, 255, 0, 0, 255, 0, 0]);
    expect(() => cropFace({ data, width: 4, height: 2 }, { x: 3, y: 0, width: 2, height: 2 }, 2)).toThrow(/not inside the 4×2 frame/);
  });

  it("computes iCatcher+'s box features relative to the frame", () => {
    // box [x 160, y 120, w 320, h 240] in 640×480: size .25, centre (.5, .5)
    expect(boxFeatures({ x: 160, y: 120, width: 320, height: 240 }, 640, 480)).toEqual([0.25, 0.5, 0.5, 0.5, 0.5]);
    boxFeatures({ x: 0, y: 240, width: 64, height: 48 }, 640, 480).forEach((v, i) => expect(v).toBeCloseTo([0.01, 0.55, 0.05, 0.1, 0.1][i] as number, 12));
  });
});

describe('face selection', () => {
  const box = (x: number, y: number, width: number, height: number): FaceBox => ({ x, y, width, height, score: 0.9 });

  it("lowest: iCatcher+'s argmin(h − y), first on ties", () => {
    const lowest = faceSelector('lowest');
    expect(lowest.select([box(0, 10, 50, 60), box(100, 200, 40, 40), box(300, 30, 30, 30)], 640, 480)).toBe(1); // 50, −160, 0
    expect(lowest.select([box(0, 10, 20, 20), box(100, 10, 20, 20)], 640, 480)).toBe(0);
    expect(lowest.select([], 640, 480)).toBe(-1);
  });

  it("score: iCatcher+'s CLI default, max min(w,h)/max(w,h)·(y+h)", () => {
    const score = faceSelector('score');
    // 0.5·(100+100) = 100 vs 1·(50+60) = 110 vs 1·(10+80)=90
    expect(score.select([box(0, 100, 50, 100), box(0, 50, 60, 60), box(0, 10, 80, 80)], 640, 480)).toBe(1);
  });

  it('track: nearest to the previous pick, starting at the bottom centre', () => {
    const track = faceSelector('track');
    // centres (hor, ver): (0.05, 0.05) and (0.5, 0.7): the second is nearer the bottom centre (0.5, 1)
    expect(track.select([box(0, 0, 64, 48), box(256, 288, 128, 96)], 640, 480)).toBe(1);
    // (0.5, 0.95) would be nearer the start, but the reference is now (0.5, 0.7): (0.5, 0.6) wins
    expect(track.select([box(256, 408, 128, 96), box(256, 240, 128, 96)], 640, 480)).toBe(1);
    expect(faceSelector('track').select([box(256, 408, 128, 96), box(256, 240, 128, 96)], 640, 480)).toBe(0);
  });
});
