// The gaze model a checkpoint holds, built for loading (torchvision's random draws skipped), for
// annotate's files and streams alike; its error says what is wrong with the file.
import { Model } from '@gazecoder/torch';

/** The checkpoint reader's words for a file whose bytes are not what was written. */
const DAMAGED = /is corrupt \(CRC-32 /;

/** A model of `arch` with the weights of `checkpoint`, on `device`; rejects naming the file and the likely cause. */
export async function loadModel(checkpoint: string, arch: string, window: number, device: string, verifyCrc: boolean): Promise<Model> {
  const model = await Model.create({ arch, kind: 'gaze', window, device, init: 'skip' });
  try {
    await model.loadWeights(checkpoint, { verifyCrc });
    return model;
  } catch (error) {
    model.dispose();
    // The loader lists every bad key; the first few say enough.
    const lines = (error as Error).message.split('\n');
    const head = lines.slice(0, 4).join('\n  ') + (lines.length > 4 ? `\n  … and ${lines.length - 4} more` : '');
    const hint = DAMAGED.test(lines[0] ?? '') ? 'the file is damaged: copy or download it again' : `is it a ${arch} gaze model? --arch names another architecture`;
    throw new Error(`${checkpoint}: cannot load it as a ${arch} GazeCodingModel:\n  ${head}\n(${hint})`);
  }
}
