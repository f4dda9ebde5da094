// Frame times from ffprobe: the container's frame rate for CFR video, per-frame presentation times
// for VFR video; decoding every frame once with OpenCV.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { decodeFrames } from '../src/video/frames';
import { probeVideo } from '../src/video/probe';
import { testMedia, tempDir } from '@gazecoder/test-helpers';
import { rng } from '@gazecoder/formats';
import { drawFace, identity, writeVideo } from '@gazecoder/synth';

let dir: { path: string; cleanup: () => void };
beforeAll(() => (dir = tempDir('video')));
afterAll(() => dir.cleanup());

function frames(n: number): ReturnType<typeof drawFace>['frame'][] {
  const random = rng(5);
  const who = identity(random);
  return Array.from({ length: n }, () => drawFace(who, 'left', 160, 120, random).frame);
}

describe('video probing and decoding', () => {
  it('reads a constant-frame-rate H.264 MP4: r_frame_rate, not VFR, every frame decoded once', async () => {
    const path = join(dir.path, 'cfr.mp4');
    writeVideo(path, frames(12), { fps: 25 });
    const probe = await probeVideo(path);
    expect(probe).toMatchObject({ width: 160, height: 120, fps: 25, variableFrameRate: false });
    expect(probe.packetTimesMs).toHaveLength(12);
    expect([...decodeFrames(path)]).toHaveLength(12);
  });

  it('reads 29.97 fps as 30000/1001', async () => {
    const path = join(dir.path, 'ntsc.mp4');
    writeVideo(path, frames(4), { fps: 30000 / 1001 });
    expect((await probeVideo(path)).fps).toBe(30000 / 1001);
  });

  it('reads a variable-frame-rate MP4: per-frame presentation times in ms', async () => {
    const path = join(dir.path, 'vfr.mp4');
    const times = [0, 33, 66, 100, 180, 213, 400, 433];
    writeVideo(path, frames(times.length), { timesMs: times });
    const probe = await probeVideo(path);
    expect(probe.variableFrameRate).toBe(true);
    expect(Array.from(probe.packetTimesMs)).toEqual(times);
    expect([...decodeFrames(path)]).toHaveLength(times.length);
  });

  it("reads kphotoalbum's MJPEG AVI (15 fps, 68 frames)", async () => {
    const probe = await probeVideo(testMedia('movie.avi'));
    expect(probe).toMatchObject({ width: 160, height: 120, variableFrameRate: false });
    expect(probe.fps).toBeCloseTo(15, 3); // r_frame_rate as the AVI stores it
    expect(probe.packetTimesMs).toHaveLength(68);
  });

  it('names a file that is not a video', async () => {
    const path = join(dir.path, 'garbage.mp4');
    writeFileSync(path, Buffer.alloc(5000, 7));
    await expect(probeVideo(path)).rejects.toThrow(new RegExp(`^${path}: ffprobe cannot read it: .*Invalid data`));
    await expect(probeVideo(join(dir.path, 'missing.mp4'))).rejects.toThrow(/missing\.mp4: ffprobe cannot read it: .*No such file/);
  });
});
