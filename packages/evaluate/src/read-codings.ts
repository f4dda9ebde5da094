// Coding files → the per-frame labels evaluation compares (gazecoder eval, gazecoder review), through
// @gazecoder/formats' parsers.
import type { EvaluatedCoding, ReferenceCoding } from './coding-comparison';
import { readHumanCoding, readMachineCoding, uncollapse } from '@gazecoder/formats';

/** The error a parser threw, naming the file when it did not already. */
function naming(path: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(message.includes(path) ? message : `${path}: ${message}`);
}

/**
 * A human coding (Lookit text at `fps`, or VCX), uncollapsed as iCatcher+'s evaluation does it: −3
 * outside the coded span and on invalid stretches, the end and trials of the file.
 */
export async function readHumanLabels(path: string, fps: number): Promise<ReferenceCoding> {
  try {
    const coding = await readHumanCoding(path, { timeBase: { fps } });
    return { labels: uncollapse(coding), end: coding.end, trials: coding.trials };
  } catch (error) {
    throw naming(path, error);
  }
}

/** A machine coding (iCatcher+ text or npz): its first and last 4 frames −3, its end at length − 4. */
export async function readMachineLabels(path: string): Promise<EvaluatedCoding> {
  try {
    const coding = await readMachineCoding(path);
    return { labels: coding.labels, end: coding.end };
  } catch (error) {
    throw naming(path, error);
  }
}
