// --crop-percent / --crop-mode against iCatcher+ as transcribed in test/python/icatcher_transcriptions.py
// (video.process_video's region, draw.mask_regions): pixel for pixel on a real photograph
// (astronaut.png from Debian's test media), BGR as OpenCV decodes it.
import { join } from 'node:path';

import { checkCrop, cropRegion, maskRegions, parseCropModes, type CropMode } from '@gazecoder/annotate';
import { readNpy, writeNpy } from '@gazecoder/formats';
import { opencv } from '@gazecoder/opencv';
import { testMedia } from '@gazecoder/test-helpers';

import { python, tempDir } from './helpers/run';

const tmp = tempDir('crop');
afterAll(() => tmp.cleanup());

describe('--crop-percent / --crop-mode (process_video, mask_regions)', () => {
  it('masks a real frame exactly as iCatcher+ does, for every mode and many percents', async () => {
    const mat = opencv().imread(testMedia('astronaut.png'));
    const [width, height] = [mat.cols, mat.rows];
    const data = new Uint8Array(mat.getData());
    const input = join(tmp.path, 'frame.npy');
    await writeNpy(input, { data, shape: [height, width, 3] });
    const modes: CropMode[][] = [['top'], ['left'], ['right'], ['top', 'left'], ['top', 'right'], ['left', 'right'], ['top', 'left', 'right'], ['right', 'left', 'right']];
    let checked = 0;
    for (const mode of modes) {
      for (const percent of [0, 1, 13, 33, 49, 50, 77, 99]) {
        if (percent > 49 && mode.includes('left') && mode.includes('right')) continue;
        const output = join(tmp.path, `masked-${checked}.npy`);
        const run = python('icatcher_transcriptions.py', 'mask', input, output, String(width), String(height), String(percent), mode.join(','));
        expect(run.stderr).toBe('');
        const [hStart, hEnd, wStart, wEnd] = JSON.parse(run.stdout) as number[];
        const region = cropRegion(width, height, { percent, modes: mode });
        expect(region).toEqual({ hStart, hEnd, wStart, wEnd });
        const theirs = await readNpy(output);
        expect(theirs.shape).toEqual([height, width, 3]);
        const ours = maskRegions(data, width, height, 3, region);
        expect(Buffer.compare(Buffer.from(ours), Buffer.from(theirs.data.buffer, theirs.data.byteOffset, theirs.data.byteLength))).toBe(0);
        checked += 1;
      }
    }
    expect(checked).toBe(55); // 8 modes × 8 percents, less 50, 77, 99 for the 3 with both sides
  });

  it('refuses what iCatcher+ refuses, with one clear error each', () => {
    expect(() => parseCropModes('top,bottom')).toThrow("--crop-mode: unknown mode 'bottom' (choose from top, left, right)");
    expect(parseCropModes(['left,right', 'top'])).toEqual(['left', 'right', 'top']);
    expect(() => checkCrop({ percent: 100, modes: ['top'] })).toThrow('--crop-percent must be a whole percent between 0 and 99, got 100');
    expect(() => checkCrop({ percent: -1, modes: ['top'] })).toThrow('between 0 and 99');
    expect(() => checkCrop({ percent: 12.5, modes: ['top'] })).toThrow('whole percent');
    expect(() => checkCrop({ percent: 50, modes: ['left', 'right'] })).toThrow('--crop-percent must be between 0 and 49 when cropping both left and right, got 50');
    expect(() => checkCrop({ percent: 49, modes: ['left', 'right'] })).not.toThrow();
    expect(() => checkCrop({ percent: 99, modes: ['left'] })).not.toThrow();
    expect(() => maskRegions(new Uint8Array(12), 2, 2, 3, { hStart: 0, hEnd: 3, wStart: 0, wEnd: 2 })).toThrow('exceeds the 2×2 frame');
  });
});
