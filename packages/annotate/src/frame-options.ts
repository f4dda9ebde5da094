// iCatcher+'s options that change how frames are read and answers smoothed, for files and streams
// alike: one definition of the options and one set of checks for annotateVideos and annotateStream.
import { checkCrop, type Crop, type CropMode } from './crop-region';

export interface IcatcherFrameOptions {
  /** iCatcher+'s --illegal_transitions_path: a CSV of "illegal","corrected" runs, fixed as the answers come */
  illegalTransitions?: string;
  /** iCatcher+'s --crop_percent: 0–99 (≤ 49 with both left and right); the frame outside is masked black */
  cropPercent?: number;
  /** iCatcher+'s --crop_mode (default ['top']) */
  cropModes?: readonly CropMode[];
  /** iCatcher+'s --fd_skip_frames: detect on every (n + 1)th frame, the frames between reuse its faces (default 0) */
  fdSkipFrames?: number;
}

/**
 * Checks the crop and --fd-skip-frames options as iCatcher+ does (throwing naming the flag); returns
 * the crop to apply (none at 0 %) and every how-many-th frame faces are detected on.
 */
export function checkFrameOptions(options: IcatcherFrameOptions): { crop?: Crop; detectEvery: number } {
  const crop = options.cropPercent !== undefined || options.cropModes !== undefined ? { percent: options.cropPercent ?? 0, modes: options.cropModes ?? ['top'] } : undefined;
  if (crop) checkCrop(crop);
  if (options.fdSkipFrames !== undefined && !(Number.isSafeInteger(options.fdSkipFrames) && options.fdSkipFrames >= 0)) throw new Error(`--fd-skip-frames must be a non-negative integer, got ${options.fdSkipFrames}`);
  return { ...(crop && crop.percent > 0 ? { crop } : {}), detectEvery: (options.fdSkipFrames ?? 0) + 1 };
}
