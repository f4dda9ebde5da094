import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const main = join(__dirname, '..', 'dist', 'main.js');

function gazecoder(...args: string[]) {
  const run = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', env: { ...process.env, GAZECODER_THREADS: '2' } });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('gazecoder info', () => {
  it('--json prints one JSON object with the runtime fields', () => {
    const { code, stdout } = gazecoder('info', '--json');
    expect(code).toBe(0);
    const info = JSON.parse(stdout) as Record<string, unknown>;
    for (const field of ['gazecoderVersion', 'torchVersion', 'torchBuiltWithCuda', 'cudaAvailable', 'cudnnVersion', 'gpus', 'intraOpThreads', 'blas', 'nodeVersion', 'napiVersion']) {
      expect(info).toHaveProperty(field);
    }
    expect(info.intraOpThreads).toBe(2);
    expect(Array.isArray(info.gpus)).toBe(true);
  });

  it('--threads sets the intra-op thread count', () => {
    const info = JSON.parse(gazecoder('--threads', '1', 'info', '--json').stdout) as { intraOpThreads: number };
    expect(info.intraOpThreads).toBe(1);
  });

  it('--self-test trains and shows a falling loss', () => {
    const { code, stdout } = gazecoder('info', '--self-test', '--device', 'cpu');
    expect(code).toBe(0);
    expect(stdout).toContain('LibTorch');
    expect(stdout).toMatch(/self-test on cpu: 30 training steps/);
    expect(stdout).toContain('self-test passed: the loss fell');
  });

  it('names a bad flag value and exits non-zero', () => {
    const { code, stderr } = gazecoder('--threads', 'zero', 'info');
    expect(code).not.toBe(0);
    expect(stderr).toContain("--threads must be a positive integer, got 'zero'");
  });

  it('reports a native error cleanly', () => {
    const { code, stderr } = gazecoder('info', '--self-test', '--device', 'cuda:7');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^gazecoder: device 'cuda:7' requested, but/m);
  });
});
