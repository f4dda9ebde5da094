import type { Command } from 'commander';
import { opencvVersion } from '@gazecoder/opencv';
import { runtimeInfo, selfTest, type RuntimeInfo, type SelfTestResult } from '@gazecoder/torch';

interface InfoOptions {
  json?: boolean;
  selfTest?: boolean;
  device: string;
}

function formatBytes(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

/** The OpenCV that face preprocessing runs on, or undefined when its binding does not load. */
function openCv(): string | undefined {
  try {
    return opencvVersion();
  } catch {
    return undefined;
  }
}

function describe(info: RuntimeInfo & { opencvVersion?: string }): string {
  const gpus = info.gpus.length === 0
    ? ['  none']
    : info.gpus.map((g) => `  [${g.index}] ${g.name}, ${formatBytes(g.totalMemoryBytes)}, compute capability ${g.computeCapability}`);
  return [
    `gazecoder        ${info.gazecoderVersion}`,
    `LibTorch         ${info.torchVersion} (${info.torchBuiltWithCuda ? 'CUDA build' : 'CPU build'})`,
    `CUDA available   ${info.cudaAvailable ? 'yes' : 'no'}`,
    `cuDNN            ${info.cudnnVersion ?? 'none'}`,
    'GPUs',
    ...gpus,
    `threads          ${info.intraOpThreads} intra-op, ${info.interOpThreads} inter-op (${info.parallelBackend})`,
    `BLAS             ${info.blas}`,
    `CPU kernels      ${info.cpuCapability}`,
    `data parallel    ${info.distributedBackends.length > 0 ? `c10d ${info.distributedBackends.join(', ')}` : 'unavailable (rebuild with libgloo-dev)'}`,
    `OpenCV           ${info.opencvVersion ?? 'not available'}`,
    `Node.js          ${info.nodeVersion} (N-API ${info.napiVersion})`,
  ].join('\n');
}

function describeSelfTest(result: SelfTestResult): string {
  const shown = result.losses.map((l, i) => `  step ${String(i + 1).padStart(3)}  loss ${l.toFixed(4)}`);
  return [
    `self-test on ${result.device}: ${result.losses.length} training steps in ${result.seconds.toFixed(2)} s`,
    ...shown,
    result.lossFell ? 'self-test passed: the loss fell' : 'self-test FAILED: the loss did not fall',
  ].join('\n');
}

export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('show the LibTorch build, devices, threads and libraries gazecoder runs on')
    .option('--json', 'print one JSON object')
    .option('--self-test', 'also train a small conv net for a few steps and show the falling loss')
    .option('--device <device>', 'device for the self-test: auto, cpu, cuda or cuda:N', 'auto')
    .action(async (options: InfoOptions) => {
      const version = openCv();
      const info = { ...runtimeInfo(), ...(version !== undefined ? { opencvVersion: version } : {}) };
      const result = options.selfTest ? await selfTest({ device: options.device }) : undefined;
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result ? { ...info, selfTest: result } : info, null, 2)}\n`);
      } else {
        process.stdout.write(`${describe(info)}\n`);
        if (result) process.stdout.write(`\n${describeSelfTest(result)}\n`);
      }
      if (result && !result.lossFell) process.exitCode = 1;
    });
}
