import type { Command } from 'commander';
import { readFloat32Npy, writeNpy } from '@gazecoder/formats';
import { checkArchitecture, CUSTOM_REGNET_EXAMPLE, Model, type Dtype, type WeightsReport } from '@gazecoder/torch';

import { exclusive, positiveInteger, requires } from '../flags';

interface ModelOptions {
  arch: string;
  backbone?: boolean;
  gaze?: boolean;
  numClasses?: number;
  window?: number;
  weights?: string;
  save?: string;
  input?: string;
  boxes?: string;
  output?: string;
  trainMode?: boolean;
  device: string;
  dtype: Dtype;
  channelsLast?: boolean;
  json?: boolean;
  verifyCrc: boolean;
}

interface ModelSummary {
  arch: string;
  kind: 'gaze' | 'backbone';
  device: string;
  parameterCount: number;
  stateEntries: number;
  weights?: { path: string } & WeightsReport;
  saved?: string;
  output?: { path: string; shape: number[]; mode: 'eval' | 'train' };
}

/** Flag combinations that cannot work, named before any model is built. */
function checkFlags(o: ModelOptions): void {
  exclusive(o, ['backbone', 'gaze']);
  requires(o, 'numClasses', 'backbone', '--num-classes applies to --backbone models only');
  // --gaze is the default, so "gaze only" means "not with --backbone".
  exclusive(o, ['window', 'backbone'], '--window applies to --gaze models only');
  requires(o, 'input', 'output', '--input needs --output FILE.npy for the result');
  requires(o, 'output', 'input', '--output needs --input FILE.npy');
  requires(o, 'boxes', 'input');
  if (!o.backbone) requires(o, 'input', 'boxes', 'a --gaze model needs --boxes B.npy (B×N×5) with --input (B×N×3×H×W)');
  exclusive(o, ['boxes', 'backbone'], '--boxes is for --gaze models; a backbone takes images only');
  checkArchitecture(o.arch, o.backbone ? 'backbone' : 'gaze');
}

function describe(s: ModelSummary): string {
  const lines = [`${s.arch} ${s.kind === 'gaze' ? 'GazeCodingModel' : 'backbone'} on ${s.device}: ${s.parameterCount.toLocaleString('en-US')} parameters, ${s.stateEntries} state-dict entries`];
  if (s.weights) {
    lines.push(`weights ${s.weights.path} (read as ${s.weights.interpretedAs}): ${s.weights.loaded.length} keys loaded, ${s.weights.skipped.length} skipped`);
    for (const key of s.weights.skipped) lines.push(`  skipped ${key}`);
  }
  if (s.saved) lines.push(`saved ${s.saved}`);
  if (s.output) lines.push(`forward (${s.output.mode} mode) -> ${s.output.path} [${s.output.shape.join('×')}]`);
  return lines.join('\n');
}

async function runModelCommand(o: ModelOptions): Promise<void> {
  checkFlags(o);
  const kind = o.backbone ? 'backbone' : 'gaze';
  await using model = await Model.create({ arch: o.arch, kind, numClasses: o.numClasses, window: o.window, device: o.device });
  const summary: ModelSummary = {
    arch: model.arch,
    kind: model.kind,
    device: model.device,
    parameterCount: model.parameterCount,
    stateEntries: model.state.length,
  };
  if (o.weights) summary.weights = { path: o.weights, ...(await model.loadWeights(o.weights, { verifyCrc: o.verifyCrc })) };
  if (o.dtype !== 'float32' || o.channelsLast) await model.convert(o.dtype, { channelsLast: o.channelsLast });
  if (o.save) {
    await model.saveWeights(o.save);
    summary.saved = o.save;
  }
  if (o.input && o.output) {
    const images = await readFloat32Npy(o.input);
    const boxes = o.boxes ? await readFloat32Npy(o.boxes) : undefined;
    const out = await model.forward(images, boxes, { train: o.trainMode });
    await writeNpy(o.output, out);
    summary.output = { path: o.output, shape: out.shape, mode: o.trainMode ? 'train' : 'eval' };
  }
  process.stdout.write(o.json ? `${JSON.stringify(summary, null, 2)}\n` : `${describe(summary)}\n`);
}

export function registerModelCommand(program: Command): void {
  program
    .command('model')
    .description('build a RegNet/ResNet backbone or GazeCodingModel, load and save .pth weights, run a forward pass on .npy inputs')
    .requiredOption('--arch <name>', `torchvision architecture (regnet_y_16gf, regnet_y_400mf, …, regnet_x_*, resnet18) or, for --gaze, a custom RegNet as train takes it: ${CUSTOM_REGNET_EXAMPLE}`)
    .option('--gaze', "iCatcher+'s GazeCodingModel with --arch as image encoder (the default)")
    .option('--backbone', 'the bare classifier, as torchvision builds it')
    .option('--num-classes <k>', 'outputs of a backbone\'s fc (default 1000)', positiveInteger('--num-classes'))
    .option('--window <n>', 'frames per gaze prediction (default 5)', positiveInteger('--window'))
    .option('--weights <file.pth>', 'load a state dict: ours, iCatcher+\'s, or torchvision ImageNet weights')
    .option('--no-verify-crc', 'skip the CRC-32 check of every zip record of the weights file (faster on a file known to be intact; default: a damaged file is refused)')
    .option('--save <file.pth>', 'save the weights as a .pth that PyTorch loads with strict=True')
    .option('--input <x.npy>', 'float32 images: N×3×H×W (backbone) or B×N×3×H×W (gaze)')
    .option('--boxes <b.npy>', 'float32 box features B×N×5 (gaze)')
    .option('--output <y.npy>', 'where the float32 output goes')
    .option('--train-mode', 'forward in train mode (BatchNorm batch statistics); eval mode otherwise')
    .option('--device <device>', 'auto, cpu, cuda or cuda:N', 'cpu')
    .option('--dtype <dtype>', 'float32, float64, float16 or bfloat16', 'float32')
    .option('--channels-last', 'store conv weights channels_last')
    .option('--json', 'print the summary as JSON')
    .action(runModelCommand);
}
