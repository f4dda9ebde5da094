// Sensor noise for drawn frames: σ ≈ 4 per channel, like a webcam's.
import type { Mat } from '@u4/opencv4nodejs';
import { opencv } from '@gazecoder/opencv';

import { rng } from '@gazecoder/formats';

/**
 * Noise as pairs of saturating add/subtract images (a sum of three uniforms), made once per frame
 * size and reused: per-pixel loops in JS are slow.
 */
const noiseCache = new Map<string, Array<[Mat, Mat]>>();

function noiseImages(width: number, height: number): Array<[Mat, Mat]> {
  const cv = opencv();
  const key = `${width}x${height}`;
  let images = noiseCache.get(key);
  if (!images) {
    const random = rng(99);
    images = Array.from({ length: 8 }, () => {
      const up = Buffer.alloc(width * height * 3);
      const down = Buffer.alloc(width * height * 3);
      for (let i = 0; i < up.length; i += 1) {
        const n = (((random() + random() + random() - 1.5) * 8 + 8.5) | 0) - 8;
        if (n > 0) up[i] = n;
        else down[i] = -n;
      }
      return [new cv.Mat(up, height, width, cv.CV_8UC3), new cv.Mat(down, height, width, cv.CV_8UC3)] as [Mat, Mat];
    });
    noiseCache.set(key, images);
  }
  return images;
}

/**
 * The camera's look: Gaussian blur σ = `blurSigma`, then one of the noise images picked by `random`,
 * scaled by `noiseScale`.
 */
export function cameraFinish(frame: Mat, random: () => number, blurSigma = 1, noiseScale = 1): Mat {
  const cv = opencv();
  const noise = noiseImages(frame.cols, frame.rows);
  const [up, down] = noise[Math.floor(random() * noise.length)] as [Mat, Mat];
  const blurred = frame.gaussianBlur(new cv.Size(0, 0), blurSigma);
  if (noiseScale === 1) return blurred.add(up).sub(down);
  return blurred.add(up.convertTo(cv.CV_8UC3, noiseScale)).sub(down.convertTo(cv.CV_8UC3, noiseScale));
}
