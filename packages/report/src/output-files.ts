// Result files are written atomically (a temporary sibling, then rename): a reader, or a crash, never
// leaves a half-written report or JSON behind.
import { writeFileAtomic } from '@gazecoder/formats';

import { renderReport } from './render-report';
import type { ReportData } from './report-data';

/** The shared atomic write, its error naming the file (the CLI prints it as is). */
async function writeResultFile(path: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(path, text);
  } catch (error) {
    throw new Error(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/** JSON text with NaN and ±Infinity as null (JSON has no NaN; iCatcher+'s undefined values are NaN). */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/** Writes `value` as JSON (NaN → null), atomically. */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await writeResultFile(path, toJson(value));
}

/** Renders and writes the HTML report, atomically. */
export async function writeReport(path: string, data: ReportData): Promise<void> {
  await writeResultFile(path, renderReport(data));
}
