import { Option, type Command } from 'commander';
import type { TrainDoneEvent } from '@gazecoder/formats';
import { abandonCollectives, checkArchitecture, exitNow, train, type DistributedOptions, type TrainOptions } from '@gazecoder/torch';

import { launchWorkers, wantsLaunch, watchLauncher, watchPeers, workerFromEnvironment, type LaunchFlags } from '../distributed/launch';
import { nonNegativeInteger, positiveInteger, positiveNumber, requires } from '../flags';
import { JsonProgress, SilentProgress, TerminalProgress, type ProgressReporter } from '../progress';

/** Commander's view of the flags: TrainOptions' names, except where the CLI follows iCatcher+'s. */
type TrainFlags = Omit<TrainOptions, 'dataset' | 'horizontalFlip' | 'distributed' | 'freezeEncoderBatchNorm'> &
  Omit<LaunchFlags, 'device' | 'json'> & {
    horizFlip?: boolean;
    freezeEncoderBn?: boolean;
    json?: boolean;
  };

function toOptions(dataset: string, flags: TrainFlags, distributed: DistributedOptions | undefined): TrainOptions {
  const { horizFlip, freezeEncoderBn, json: _json, nproc: _nproc, nnodes: _nnodes, nodeRank: _nodeRank, masterAddr: _addr, masterPort: _port, distTimeout: _timeout, ...settings } = flags;
  return { ...settings, dataset, horizontalFlip: horizFlip, freezeEncoderBatchNorm: freezeEncoderBn, distributed };
}

function summary(done: TrainDoneEvent): string {
  const how = { completed: 'finished', 'early-stopped': 'stopped early', aborted: 'stopped' }[done.reason];
  const best = done.bestEpoch === null ? 'no epoch completed' : `best epoch ${done.bestEpoch}: validation accuracy ${(100 * (done.bestValAccuracy ?? 0)).toFixed(2)}% -> ${done.bestCheckpoint}`;
  const resume = done.reason === 'aborted' ? ' (continue with --resume)' : '';
  return `training ${how} after ${done.epochs} epochs, ${done.steps} steps; ${best}; last checkpoint ${done.lastCheckpoint}${resume}`;
}

async function runTrain(dataset: string, flags: TrainFlags): Promise<void> {
  // The one --arch check every command makes, before any worker is launched.
  if (flags.arch !== undefined) checkArchitecture(flags.arch);
  const launched = workerFromEnvironment();
  const worker = launched && { ...launched, timeoutSeconds: launched.timeoutSeconds ?? flags.distTimeout };
  if (worker === undefined) {
    requires(flags, 'nodeRank', 'nnodes');
    if (wantsLaunch(flags)) {
      process.exitCode = await launchWorkers(flags);
      return;
    }
  }
  const controller = new AbortController();
  const reporter: ProgressReporter =
    (worker?.rank ?? 0) !== 0 ? new SilentProgress()
    : process.stderr.isTTY && !flags.json ? new TerminalProgress(process.stderr)
    : new JsonProgress(process.stderr);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    // A second interrupt does not wait for the checkpoint. Not process.exit: its C++ static destructors
    // (LibTorch's, OpenMP's) would run while the training thread still uses them, and the process could
    // abort instead of exiting with 130. last.pth is written atomically, so none is left half-written.
    if (signals > 1) exitNow(130);
    reporter.note(`${signal}: stopping after this step and writing last.pth (interrupt again to quit at once)`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // A worker whose launcher was killed stops as if told to (the job agrees on the step), rank 0
  // writing last.pth, rather than training on unwatched.
  const unwatch = watchLauncher((pid) => {
    reporter.note(`the launcher (pid ${pid}) is gone: stopping after this step and writing last.pth`);
    controller.abort();
  });
  const unwatchPeers = watchPeers(abandonCollectives);
  let done: TrainDoneEvent | undefined;
  try {
    for await (const event of train(toOptions(dataset, flags, worker), { signal: controller.signal })) {
      reporter.report(event);
      if (event.type === 'done') done = event;
    }
  } finally {
    unwatch();
    unwatchPeers();
    reporter.close();
    // Once interrupted, stay so: another Ctrl-C while the run winds up still exits with 130 at once,
    // rather than killing the process by the signal.
    if (signals === 0) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
  if (done !== undefined && (worker?.rank ?? 0) === 0) process.stdout.write(flags.json ? `${JSON.stringify(done)}\n` : `${summary(done)}\n`);
  if (done?.reason === 'aborted') process.exitCode = 130;
  // An interrupted run ends here, everything written (stdout and stderr are synchronous on Linux):
  // Node's own exit tears LibTorch down for long enough that another Ctrl-C would kill the process by
  // the signal instead of ending it with 130.
  if (signals > 0) exitNow(130);
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description("fine-tune iCatcher+'s GazeCodingModel on a packed dataset (train split), validating every epoch (val split)")
    .argument('<dataset-dir>', 'a dataset written by `gazecoder preprocess` (manifest.json + videos/)')
    .requiredOption('--out <run-dir>', 'run folder: config.json, metrics.jsonl, last.pth, best.pth')
    .option('--arch <name>', 'image encoder: regnet_y_16gf (default), another torchvision RegNet/ResNet, or regnet:depth=…,w0=…,wa=…,wm=…,group=…[,se=…]')
    .option('--pretrained <file.pth|name>', 'torchvision ImageNet weights for the image encoder: a file, or a cached name (regnet_y_16gf: npx gazecoder models fetch regnet_y_16gf)')
    .option('--init <file.pth|name>', 'start from a whole iCatcher+ or gazecoder checkpoint: a file, or a cached model name (icatcher+_lookit_regnet)')
    .option('--batch-size <n>', 'windows per batch (default 64)', positiveInteger('--batch-size'))
    .option('--epochs <n>', 'epochs (default 100)', positiveInteger('--epochs'))
    .option('--lr <x>', 'learning rate (default: adam 1e-5, sgd 1e-2)', positiveNumber('--lr'))
    .addOption(new Option('--optimizer <name>', 'adam (iCatcher+, default) or sgd').choices(['adam', 'sgd']))
    .addOption(new Option('--amp <mode>', 'mixed precision (default: bf16 on Ampere+ GPUs, fp16 on older ones; on CPU bf16 with LibTorch 2 on AVX512-BF16/AMX, else off)').choices(['fp16', 'bf16', 'off']))
    .option('--channels-last', 'channels_last convolutions (default with CUDA or CPU bf16)')
    .option('--no-channels-last', 'contiguous convolutions')
    .option('--device <device>', 'auto (default), cpu, cuda or cuda:N')
    .option('--workers <n>', 'data loader threads (default: 4 on CUDA, 2 on CPU)', positiveInteger('--workers'))
    .option('--seed <n>', 'seed for initialisation, shuffling, augmentation and dropout (default 42)', nonNegativeInteger('--seed'))
    .option('--resume', 'continue the run in --out from its last.pth')
    .option('--eliminate-transitions', 'only windows whose 9 frames share one label')
    .option('--use-mutually-agreed', "only windows where coder 2 agrees on the middle frame")
    .option('--horiz-flip', 'mirror half the windows, swapping left and right')
    .option('--shared-frames <k>', 'shared-frame training: batches of clips of up to k consecutive same-parity windows, each frame encoded once (default 1: per window, as iCatcher+)', positiveInteger('--shared-frames'))
    .option('--freeze-encoder-bn', "keep the image encoder's BatchNorm in eval mode (pretrained running statistics, fixed) while training")
    .option('--early-stopping <n>', 'stop after n epochs without a better validation accuracy (default 0: never)', nonNegativeInteger('--early-stopping'))
    .option('--log-every <n>', 'steps between step lines of metrics.jsonl (default 50)', positiveInteger('--log-every'))
    .option('--checkpoint-every <n>', 'also write last.pth every n steps within an epoch, so that a killed run loses at most n steps (kept on --resume)', positiveInteger('--checkpoint-every'))
    .option('--no-foreach', 'per-tensor optimizer updates instead of multi-tensor kernels')
    .option('--cudnn-benchmark', 'cuDNN autotuning of convolutions (default on CUDA)')
    .option('--no-cudnn-benchmark', 'no cuDNN autotuning')
    .option('--cuda-graphs', 'capture the training step as a CUDA graph (CUDA only; not implemented yet)')
    .option('--nproc <n>', 'data-parallel worker processes on this machine, one per GPU (or sharing the CPU); --batch-size stays the global batch', positiveInteger('--nproc'))
    .option('--nnodes <n>', 'machines in the job (each runs this command with its --node-rank)', positiveInteger('--nnodes'))
    .option('--node-rank <r>', "this machine's place in the job, 0 to nnodes-1 (0 hosts the rendezvous and writes the run)", nonNegativeInteger('--node-rank'))
    .option('--master-addr <host>', 'address of the machine with --node-rank 0 (default 127.0.0.1)')
    .option('--master-port <port>', 'rendezvous TCP port on it (default: a free one for one machine, 29500 for several)', positiveInteger('--master-port'))
    .option('--dist-timeout <seconds>', 'a worker waiting this long for the others fails the job (default 1800)', positiveInteger('--dist-timeout'))
    .option('--sync-batch-norm', 'BatchNorm statistics over the global batch across the workers (as one process would compute them)')
    .option('--json', 'JSON lines on stderr even on a terminal, and the result as JSON')
    .action(runTrain);
}
