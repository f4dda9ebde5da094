// The Lookit metadata TSV, prephys_split0_videos_detailed.tsv (icatcher-plus.md §2.3).
import { codingName, videoName } from './lookit-names';
import type { VideoPlan } from './plan';

export const METADATA_FILE = 'prephys_split0_videos_detailed.tsv';

const COLUMNS = [
  'videoID', 'childID', 'child.ageSessionRounded', 'parent.race.nonwhite', 'child.gender', 'child.skinTone', 'child.eyeColor',
  'which.dataset', 'video.cameraMoved', 'video.privacy', 'studyID', 'n_coders', 'videoFileName', 'codingFile1', 'codingFile2',
] as const;

/** A small stable hash of a string, so per-child columns do not depend on video order. */
function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** The TSV text: a header row and one row per video (every video is coded twice). */
export function metadataTsv(plans: readonly VideoPlan[]): string {
  const rows = plans.map((p) => {
    const h = hash(p.childId);
    const row: Record<(typeof COLUMNS)[number], string> = {
      videoID: p.id,
      childID: p.childId,
      'child.ageSessionRounded': String(120 + (h % 900)),
      'parent.race.nonwhite': h & 1 ? 'TRUE' : 'FALSE',
      'child.gender': h & 2 ? 'f' : 'm',
      'child.skinTone': String(Math.round(1 + p.skinTone * 5)),
      'child.eyeColor': ['brown', 'blue', 'green', 'hazel'][(h >>> 2) % 4] as string,
      'which.dataset': p.which,
      'video.cameraMoved': 'FALSE',
      'video.privacy': h & 16 ? 'public' : 'scientific',
      studyID: 'study1',
      n_coders: '2',
      videoFileName: videoName(p.id),
      codingFile1: codingName(p.id),
      codingFile2: codingName(p.id),
    };
    return COLUMNS.map((c) => row[c]).join('\t');
  });
  return `${[COLUMNS.join('\t'), ...rows].join('\n')}\n`;
}
