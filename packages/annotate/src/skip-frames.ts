// --fd-skip-frames N (iCatcher+'s --fd_skip_frames, cli.py lines 399-425): faces are detected on
// frames 0, N+1, 2(N+1), … only, and each frame between reuses the faces of the last one detected
// (iCatcher+: `range(0, total_frames, 1 + fd_skip_frames)`, then each frame's boxes repeated N+1
// times; its help: "previous bbox will be used"). Face selection, the crop and the box features are
// still each frame's own.

/** Runs `detect` (in batches of `batchSize`) on the frames of `items` (frames start, start+1, …) that are detected, and fills the others from the last detected frame; `carry` holds that frame's faces across chunks. */
export async function detectSkipping<T, F>(start: number, items: readonly T[], every: number, batchSize: number, detect: (batch: T[]) => Promise<F[][]>, carry: { last: F[] }): Promise<F[][]> {
  const picked: number[] = [];
  for (let i = 0; i < items.length; i += 1) if ((start + i) % every === 0) picked.push(i);
  const found: F[][] = [];
  for (let b = 0; b < picked.length; b += batchSize) found.push(...(await detect(picked.slice(b, b + batchSize).map((i) => items[i] as T))));
  const out: F[][] = [];
  let k = 0;
  for (let i = 0; i < items.length; i += 1) {
    if (picked[k] === i) {
      carry.last = found[k] ?? [];
      k += 1;
    }
    out.push(carry.last);
  }
  return out;
}
