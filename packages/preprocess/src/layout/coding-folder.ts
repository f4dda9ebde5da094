// A folder of coding files, one per video, keyed by video id: human codings (Lookit text, VCX) or
// machine outputs (iCatcher+ raw_output text, compressed .npz, ui folders with labels.txt).
import { existsSync, statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { extname, join, parse } from 'node:path';

import { lookitVideoId } from './lookit-layout';

export type CodingKind = 'human' | 'machine';

const EXTENSIONS: Record<CodingKind | 'any', readonly string[]> = {
  human: ['.txt', '.vcx', '.xml'],
  machine: ['.txt', '.npz'],
  any: ['.txt', '.vcx', '.xml', '.npz'],
};

/** iCatcher+'s `ui` format keeps each video's labels in `<video>/labels.txt`. */
const UI_LABELS = 'labels.txt';

/**
 * A file's video id: the Lookit id when the name follows Lookit's pattern (so `coding_c_x-ID_final.txt`
 * and `videoStream_study_x-ID_1234.npz` match), otherwise the name without its extension.
 */
export function videoIdOf(fileName: string): string {
  return lookitVideoId(fileName) || parse(fileName).name;
}

/**
 * The coding files of `dir` by video id (hidden files and other extensions are skipped); `any`: human
 * and machine files alike (`gazecoder review` tells them apart by content). Errors name `flag` and the
 * folder: a missing folder, no coding file, two files for one video.
 */
export async function codingFiles(dir: string, flag: string, kind: CodingKind | 'any'): Promise<Map<string, string>> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${flag}: ${dir} is not a folder`);
  const files = new Map<string, string>();
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    let path: string | undefined;
    if (entry.isFile() && EXTENSIONS[kind].includes(extname(entry.name).toLowerCase())) path = join(dir, entry.name);
    else if (kind !== 'human' && entry.isDirectory() && existsSync(join(dir, entry.name, UI_LABELS))) path = join(dir, entry.name, UI_LABELS);
    if (path === undefined) continue;
    const id = entry.isDirectory() ? entry.name : videoIdOf(entry.name);
    const previous = files.get(id);
    if (previous !== undefined) throw new Error(`${flag}: ${previous} and ${path} are both codings of video '${id}'`);
    files.set(id, path);
  }
  if (files.size === 0) {
    const what = { human: 'Lookit .txt or VCX', machine: 'iCatcher+ .txt, .npz or ui folders with labels.txt', any: 'Lookit .txt, VCX, iCatcher+ .txt, .npz or ui folders with labels.txt' }[kind];
    throw new Error(`${flag}: no coding files (${what}) in ${dir}`);
  }
  return files;
}
