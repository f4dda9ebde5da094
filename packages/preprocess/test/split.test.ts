// Splits: NumPy's legacy MT19937 draw reproduced exactly, iCatcher+'s random validation policy
// checked against its own code run with Debian's numpy, which.dataset and split files.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { VideoSource } from '../src/layout/video-source';
import { assignSplits, icatcherSplit } from '../src/split/assign-splits';
import { LegacyRandomState } from '../src/split/numpy-legacy-random';
import { python, tempDir } from '@gazecoder/test-helpers';

describe("NumPy's legacy RandomState", () => {
  it('gives the same permutations as np.random.seed(s); np.random.permutation(n)', () => {
    const cases: Array<[number, number]> = [
      [43, 1],
      [43, 2],
      [43, 10],
      [43, 37],
      [0, 100],
      [2 ** 32 - 1, 1000],
      [12345, 70000],
    ];
    const expected = JSON.parse(
      python(`import json, numpy as np
out = []
for s, n in ${JSON.stringify(cases)}:
    np.random.seed(s)
    out.append(np.random.permutation(n).tolist())
print(json.dumps(out))`),
    ) as number[][];
    cases.forEach(([seed, n], i) => expect(new LegacyRandomState(seed).permutation(n)).toEqual(expected[i]));
  });

  it('gives the same sample as np.random.choice(a, size, replace=False)', () => {
    const items = Array.from({ length: 23 }, (_, i) => `v${i}`);
    const expected = JSON.parse(python(`import json, numpy as np; np.random.seed(43); print(json.dumps(np.random.choice(np.array(${JSON.stringify(items)}), 9, replace=False).tolist()))`));
    expect(new LegacyRandomState(43).choiceWithoutReplacement(items, 9)).toEqual(expected);
  });
});

/** A synthetic Lookit pool: children with one to three videos, some double-coded, in file-name order. */
function pool(): VideoSource[] {
  const videos: VideoSource[] = [];
  for (let i = 0; i < 41; i += 1) {
    const child = `child-${String((i * 7) % 17).padStart(2, '0')}`;
    videos.push({
      id: `vid-${String(i).padStart(3, '0')}`,
      video: `/raw/videos/v${i}.mp4`,
      source: `videos/x_y_z-vid-${String(i).padStart(3, '0')}.mp4`,
      coder1: `/raw/c1/${i}.txt`,
      ...(i % 3 !== 1 ? { coder2: `/raw/c2/${i}.txt` } : {}),
      childId: child,
      requestedSplit: i % 10 === 9 ? '2_test' : i % 5 === 2 ? '1_validate' : '1_train',
      inMetadata: true,
    });
  }
  return videos;
}

describe("iCatcher+'s random validation split (--split icatcher)", () => {
  it("equals preprocess.py's unique_only_in_val policy run with numpy (seed 43, 20 %)", () => {
    const videos = pool();
    const ours = icatcherSplit(videos, 43, 0.2);
    // The policy lines of reproduce/preprocess.py, on the same videos in the same order.
    const theirs = JSON.parse(
      python(
        `import json, sys, numpy as np
rows = json.loads(sys.argv[1])
np.random.seed(seed=43)
videos = [dict(video_id=r["id"], child_id=r["childId"], has_2coding="coder2" in r, split=r["requestedSplit"]) for r in rows]
videos = np.array([x for x in videos if x["split"] in ("1_train", "1_validate")])
video_children_id = [x["child_id"] for x in videos]
_, unique_indices = np.unique(video_children_id, return_index=True)
double_coded_and_unique_videos = [x for x in videos[unique_indices] if x["has_2coding"]]
threshold = min(int(len(videos) * 0.2), len(double_coded_and_unique_videos))
val_set = np.random.choice(double_coded_and_unique_videos, size=threshold, replace=False)
train_set = np.array([x for x in videos if x not in val_set])
print(json.dumps([[x["video_id"] for x in train_set], [x["video_id"] for x in val_set]]))`,
        JSON.stringify(videos),
      ),
    ) as [string[], string[]];
    const ids = (split: string): string[] => ours.assigned.filter((a) => a.split === split).map((a) => a.video.id);
    expect(ids('val')).toEqual([...theirs[1]].sort());
    expect(ids('train')).toEqual([...theirs[0]].sort());
    expect(ids('val').length).toBe(Math.trunc(36 * 0.2));
    // test: double-coded 2_test videos only
    expect(ids('test')).toEqual(videos.filter((v) => v.requestedSplit === '2_test' && v.coder2).map((v) => v.id));
    expect(ours.excluded.map((e) => e.id)).toEqual(videos.filter((v) => v.requestedSplit === '2_test' && !v.coder2).map((v) => v.id));
  });
});

describe('split policies', () => {
  const videos: VideoSource[] = [
    { id: 'a', video: '/r/a.mp4', source: 'videos/a.mp4', coder1: '/r/a.txt', childId: 'c1', requestedSplit: '1_train', inMetadata: true },
    { id: 'b', video: '/r/b.mp4', source: 'videos/b.mp4', coder1: '/r/b.txt', childId: 'c2', requestedSplit: '1_validate', inMetadata: true },
    { id: 'c', video: '/r/c.mp4', source: 'videos/c.mp4', coder1: '/r/c.txt', coder2: '/r/c2.txt', childId: 'c3', requestedSplit: '2_test', inMetadata: true },
    { id: 'd', video: '/r/d.mp4', source: 'videos/d.mp4', childId: 'c4', requestedSplit: '1_train', inMetadata: true },
    { id: 'e', video: '/r/e.mp4', source: 'videos/e.mp4', coder1: '/r/e.txt', inMetadata: false },
    { id: 'f', video: '/r/f.mp4', source: 'videos/f.mp4', coder1: '/r/f.txt', childId: 'c5', requestedSplit: '3_other', inMetadata: true },
  ];

  it('which.dataset: 1_train → train, 1_validate → val, 2_test → test; the rest excluded with a reason', async () => {
    const { assigned, excluded } = await assignSplits(videos, { kind: 'which-dataset' });
    expect(assigned.map((a) => [a.video.id, a.split])).toEqual([
      ['a', 'train'],
      ['b', 'val'],
      ['c', 'test'],
    ]);
    expect(excluded).toEqual([
      { id: 'd', reason: 'no coder-1 coding file' },
      { id: 'e', reason: 'not in the metadata TSV' },
      { id: 'f', reason: "split '3_other' is none of 1_train, 1_validate, 2_test (or train, val, test)" },
    ]);
  });

  it('a split file (JSON or CSV) lists the videos explicitly', async () => {
    const dir = tempDir('split');
    try {
      const json = join(dir.path, 'split.json');
      writeFileSync(json, JSON.stringify({ train: ['b', 'e'], val: ['a'], test: ['zz'] }));
      const fromJson = await assignSplits(videos, { kind: 'file', path: json });
      expect(fromJson.assigned.map((a) => [a.video.id, a.split])).toEqual([
        ['a', 'val'],
        ['b', 'train'],
        ['e', 'train'],
      ]);
      expect(fromJson.excluded).toContainEqual({ id: 'zz', reason: `listed in ${json}, but there is no such video` });
      const csv = join(dir.path, 'split.csv');
      writeFileSync(csv, 'id,split\nc,test\na,validation\n');
      expect((await assignSplits(videos, { kind: 'file', path: csv })).assigned.map((a) => [a.video.id, a.split])).toEqual([
        ['a', 'val'],
        ['c', 'test'],
      ]);
      writeFileSync(csv, 'id,split\nc,later\n');
      await expect(assignSplits(videos, { kind: 'file', path: csv })).rejects.toThrow(`${csv}:2: split 'later' is none of train, val, test`);
    } finally {
      dir.cleanup();
    }
  });
});
