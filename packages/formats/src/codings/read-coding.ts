// One entry point for human coding files, by extension: .vcx/.xml → VCX, anything else → Lookit text.
import { extname } from 'node:path';

import type { Coding } from './coding';
import { readLookitCoding, type TimeBase } from './lookit';
import { readVcxCoding } from './vcx';

export type CodingFormat = 'lookit' | 'vcx';

export function codingFormatOf(path: string): CodingFormat {
  const ext = extname(path).toLowerCase();
  return ext === '.vcx' || ext === '.xml' ? 'vcx' : 'lookit';
}

export interface ReadCodingOptions {
  /** for Lookit files: the video's frame rate (CFR) or 'ms' for per-frame timestamps (VFR) */
  timeBase: TimeBase;
  /** for VCX files: the `HH:MM:SS:FF` video-start timestamp */
  videoStart?: string;
}

/** Reads a human coding file in either format. VCX responses count frames at 30 fps, as in iCatcher+. */
export async function readHumanCoding(path: string, options: ReadCodingOptions): Promise<Coding> {
  return codingFormatOf(path) === 'vcx' ? readVcxCoding(path, { fps: 30, videoStart: options.videoStart }) : readLookitCoding(path, options.timeBase);
}
