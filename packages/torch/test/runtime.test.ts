import { runtimeInfo, selfTest, setThreads } from '../src';

describe('runtimeInfo', () => {
  it('reports the LibTorch build, threads, BLAS and Node versions', () => {
    const info = runtimeInfo();
    expect(info.torchVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.gazecoderVersion).toBe(require('@gazecoder/native/package.json').version);
    expect(typeof info.cudaAvailable).toBe('boolean');
    expect(info.intraOpThreads).toBeGreaterThanOrEqual(1);
    expect(info.blas).not.toBe('');
    expect(info.nodeVersion).toBe(process.versions.node);
    expect(Number(info.napiVersion)).toBeGreaterThanOrEqual(8);
    if (!info.cudaAvailable) expect(info.gpus).toEqual([]);
  });

  it('sets the intra-op thread count', () => {
    const before = runtimeInfo().intraOpThreads;
    expect(setThreads(1)).toBe(1);
    expect(runtimeInfo().intraOpThreads).toBe(1);
    setThreads(before);
    expect(() => setThreads(1.5)).toThrow('threads must be an integer');
  });
});

describe('selfTest', () => {
  it('trains on a worker thread while the event loop keeps running', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 5);
    let settled = false;
    const run = selfTest({ steps: 150, imageSize: 64, device: 'cpu' }).finally(() => (settled = true));
    // A timer firing before the promise settles shows the main thread was free during training.
    await new Promise((resolve) => setTimeout(resolve, 50));
    const ticksWhileTraining = ticks;
    const result = await run;
    clearInterval(timer);
    expect(settled).toBe(true);
    expect(ticksWhileTraining).toBeGreaterThan(0);
    expect(result.seconds).toBeGreaterThan(0.05);
    expect(result.losses).toHaveLength(150);
    expect(result.lossFell).toBe(true);
  });

  it('is reproducible for a seed', async () => {
    const [a, b] = await Promise.all([selfTest({ steps: 10, seed: 7, device: 'cpu' }), selfTest({ steps: 10, seed: 7, device: 'cpu' })]);
    expect(a.losses).toEqual(b.losses);
  });

  it('turns a LibTorch error into a rejected promise with its message, and the process carries on', async () => {
    await expect(selfTest({ imageSize: 0, device: 'cpu' })).rejects.toThrow(/size|empty|zero/i);
    await expect(selfTest({ device: 'tpu:9' })).rejects.toThrow("unknown device 'tpu:9'");
    await expect(selfTest({ steps: 0 })).rejects.toThrow('steps must be at least 1');
    const after = await selfTest({ steps: 8, device: 'cpu' });
    expect(after.losses).toHaveLength(8);
  });

  it('rejects options of the wrong type synchronously with a TypeError', () => {
    // The addon's TypeError comes from Node's realm, not jest's sandbox: compare by name.
    expect(() => selfTest({ steps: 'ten' as unknown as number })).toThrow(expect.objectContaining({ name: 'TypeError', message: 'steps must be a number, got a string' }));
  });
});
