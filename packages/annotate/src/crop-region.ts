// --crop-percent / --crop-mode (icatcher-plus.md §12.1, §12.2 step 2): the region of interest as
// iCatcher+'s video.process_video computes it from the video's size, and draw.mask_regions, which
// blacks out everything outside it. The frame keeps its size, so detection, the crop and the box
// features stay relative to the full frame.
import type { Mat } from '@u4/opencv4nodejs';
import { opencv } from '@gazecoder/opencv';

export const CROP_MODES = ['top', 'left', 'right'] as const;
export type CropMode = (typeof CROP_MODES)[number];

export interface Crop {
  /** 0–99 (0–49 with both left and right), iCatcher+'s --crop_percent */
  percent: number;
  /** iCatcher+'s --crop_mode: default ['top'] */
  modes: readonly CropMode[];
}

/** Rows [hStart, hEnd) and columns [wStart, wEnd) kept; the rest is masked black. */
export interface Region {
  hStart: number;
  hEnd: number;
  wStart: number;
  wEnd: number;
}

/** `--crop-mode` as given (comma-separated, or repeated): an unknown mode is an error naming it. */
export function parseCropModes(values: string | readonly string[]): CropMode[] {
  const items = (typeof values === 'string' ? [values] : values).flatMap((v) => v.split(',')).map((v) => v.trim());
  return items.map((mode) => {
    if (!(CROP_MODES as readonly string[]).includes(mode)) throw new Error(`--crop-mode: unknown mode '${mode}' (choose from ${CROP_MODES.join(', ')})`);
    return mode as CropMode;
  });
}

/** iCatcher+'s option checks (options.py): an integer 0–99, at most 49 when cropping both sides. */
export function checkCrop(crop: Crop): void {
  const { percent, modes } = crop;
  if (!Number.isInteger(percent) || percent < 0 || percent > 99) throw new Error(`--crop-percent must be a whole percent between 0 and 99, got ${percent}`);
  if (modes.length === 0) throw new Error(`--crop-mode: give at least one of ${CROP_MODES.join(', ')}`);
  for (const mode of modes) if (!(CROP_MODES as readonly string[]).includes(mode)) throw new Error(`--crop-mode: unknown mode '${mode}' (choose from ${CROP_MODES.join(', ')})`);
  if (modes.includes('left') && modes.includes('right') && percent > 49) throw new Error(`--crop-percent must be between 0 and 49 when cropping both left and right, got ${percent}`);
}

/** video.process_video's region (lines 108–137), float arithmetic and truncation as Python's. */
export function cropRegion(width: number, height: number, crop: Crop): Region {
  const { percent, modes } = crop;
  const top = modes.includes('top');
  const left = modes.includes('left');
  const right = modes.includes('right');
  const croppedHeight = top ? Math.trunc(height * (1 - percent / 100)) : height;
  let croppedWidth = width;
  if (left && right) croppedWidth = Math.trunc(width * (1 - (2 * percent) / 100));
  else if (left || right) croppedWidth = Math.trunc(width * (1 - percent / 100));
  let wStart = 0;
  let wEnd = width;
  if (left && right) {
    wStart = Math.floor((width - croppedWidth) / 2);
    wEnd = wStart + croppedWidth;
  } else if (left) {
    wStart = width - croppedWidth;
  } else if (right) {
    wEnd = croppedWidth;
  }
  return { hStart: height - croppedHeight, hEnd: height, wStart, wEnd };
}

/** True when the region is the whole frame (nothing to mask). */
export function isWholeFrame(region: Region, width: number, height: number): boolean {
  return region.hStart === 0 && region.wStart === 0 && region.hEnd === height && region.wEnd === width;
}

/**
 * draw.mask_regions: a copy of the interleaved `channels`-channel image with everything outside
 * the region zero. Like it, refuses a region outside the image.
 */
export function maskRegions(data: Uint8Array, width: number, height: number, channels: number, region: Region): Uint8Array {
  const { hStart, hEnd, wStart, wEnd } = region;
  if (hStart < 0 || wStart < 0 || hEnd > height || wEnd > width) throw new Error(`crop region rows ${hStart}–${hEnd}, columns ${wStart}–${wEnd} exceeds the ${width}×${height} frame`);
  const out = new Uint8Array(width * height * channels);
  if (wEnd <= wStart) return out;
  const row = width * channels;
  for (let y = hStart; y < hEnd; y += 1) out.set(data.subarray(y * row + wStart * channels, y * row + wEnd * channels), y * row + wStart * channels);
  return out;
}

/** {@link maskRegions} on an OpenCV frame (8-bit, interleaved): a new Mat, the same size and type. */
export function maskMat(mat: Mat, region: Region): Mat {
  const cv = opencv();
  const masked = maskRegions(new Uint8Array(mat.getData()), mat.cols, mat.rows, mat.channels, region);
  return new cv.Mat(Buffer.from(masked.buffer, masked.byteOffset, masked.byteLength), mat.rows, mat.cols, mat.type);
}
