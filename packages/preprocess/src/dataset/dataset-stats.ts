// Dataset-level statistics: sums of the done videos' statistics per split and overall, with the
// shares iCatcher+ reports (frames used, without a face, invalid; classes; coder agreement).
import { GAZE_CLASSES, type Manifest, type Split, SPLITS, type VideoStats } from '@gazecoder/formats';

import { agreement, sumStats, type Agreement } from './video-stats';

export interface GroupStats extends VideoStats {
  videos: number;
  /** used / frames, noFace / annotated, invalid / frames */
  shares: { used: number | null; noFace: number | null; invalid: number | null };
  /** coder 1 vs coder 2 on frames both coded */
  agreement: Agreement;
}

export interface DatasetStats {
  total: GroupStats;
  splits: Record<Split, GroupStats>;
}

const share = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

function group(stats: readonly VideoStats[]): GroupStats {
  const sum = sumStats(stats);
  return {
    videos: stats.length,
    ...sum,
    shares: { used: share(sum.used, sum.frames), noFace: share(sum.noFace, sum.annotated), invalid: share(sum.invalid, sum.frames) },
    agreement: agreement(sum.confusion),
  };
}

/** Statistics of the videos the manifest lists as done. */
export function datasetStats(manifest: Pick<Manifest, 'videos'>): DatasetStats {
  const done = manifest.videos.filter((v) => v.status === 'done');
  const splits = Object.fromEntries(SPLITS.map((s) => [s, group(done.filter((v) => v.split === s).map((v) => v.stats))])) as Record<Split, GroupStats>;
  return { total: group(done.map((v) => v.stats)), splits };
}

const percent = (x: number | null): string => (x === null ? '   -  ' : `${(100 * x).toFixed(1).padStart(5)}%`);

/** A table of the statistics for the terminal. */
export function formatDatasetStats(stats: DatasetStats): string {
  const rows: Array<[string, GroupStats]> = [...SPLITS.map((s) => [s, stats.splits[s]] as [string, GroupStats]), ['total', stats.total]];
  const lines = [
    'split   videos   frames  annotated  used    no face  invalid  windows   away   left  right  coders agree  kappa',
  ];
  for (const [name, g] of rows) {
    if (g.videos === 0 && name !== 'total') continue;
    const classes = GAZE_CLASSES.map((c) => percent(share(g.classes[c], g.annotated))).join(' ');
    lines.push(
      [
        name.padEnd(6),
        String(g.videos).padStart(7),
        String(g.frames).padStart(8),
        String(g.annotated).padStart(10),
        percent(g.shares.used),
        percent(g.shares.noFace),
        percent(g.shares.invalid),
        String(g.windows).padStart(8),
        classes,
        g.agreement.frames > 0 ? `${percent(g.agreement.percent)} of ${g.agreement.frames}` : '      -     ',
        g.agreement.kappa === null ? '   -' : g.agreement.kappa.toFixed(3),
      ].join(' '),
    );
  }
  lines.push('(used and invalid: share of all frames; no face: of annotated frames; classes: coder 1 on annotated frames)');
  return lines.join('\n');
}
