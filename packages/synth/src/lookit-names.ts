// File names in Lookit's pattern (icatcher-plus.md §2.2): iCatcher+'s video-ID rule,
// "-".join(stem.split("_")[2].split("-")[1:]), yields the UUID `id` from both.

/** A Lookit video file name for `id`. */
export const videoName = (id: string): string => `videoStream_study1_x-${id}_1234.mp4`;

/** A Lookit coding file name for `id` (the same in coder1/ and coder2/). */
export const codingName = (id: string): string => `coding_c_x-${id}_final.txt`;
