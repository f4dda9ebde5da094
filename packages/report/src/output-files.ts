// Result files are written atomically (a temporary sibling, then rename): a reader, or a crash, never
// leaves a half-written report or JSON behind.
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';

import { renderReport } from './render-report';
import type { ReportData } from './report-data';

async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(temp, text);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw new Error(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/** JSON text with NaN and ±Infinity as null (JSON has no NaN; iCatcher+'s undefined values are NaN). */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`;
}

/** Writes `value` as JSON (NaN → null), atomically. */
export async function writeJsonFile(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, toJson(value));
}

/** Renders and writes the HTML report, atomically. */
export async function writeReport(path: string, data: ReportData): Promise<void> {
  await writeFileAtomic(path, renderReport(data));
}
