import { native, type NativeSelfTestOptions, type NativeSelfTestResult } from './native';

export type SelfTestOptions = NativeSelfTestOptions;
export type SelfTestResult = NativeSelfTestResult;

/**
 * Trains a small conv net for a few steps on a worker thread and reports the losses, which must fall:
 * a seconds-long check that LibTorch, the addon and the device work.
 */
export function selfTest(options: SelfTestOptions = {}): Promise<SelfTestResult> {
  return native().selfTest(options);
}
