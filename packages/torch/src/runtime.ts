import { native, type NativeRuntimeInfo } from './native';

/** Everything `gazecoder info` reports: the native runtime plus Node's side. */
export interface RuntimeInfo extends NativeRuntimeInfo {
  nodeVersion: string;
  napiVersion: string;
}

/** What gazecoder runs on: LibTorch build, devices, threads, BLAS, Node and N-API versions. */
export function runtimeInfo(): RuntimeInfo {
  return { ...native().info(), nodeVersion: process.versions.node, napiVersion: process.versions.napi ?? 'unknown' };
}

/** Sets LibTorch's intra-op thread count for this process (`threads <= 0`: one per core); returns the count in effect. */
export function setThreads(threads: number): number {
  if (!Number.isInteger(threads)) throw new TypeError(`threads must be an integer, got ${threads}`);
  return native().setThreads(threads);
}

/**
 * Ends the process at once with `code`, running neither JS exit handlers nor native destructors: for a
 * second Ctrl-C while a training thread runs, where `process.exit` would tear LibTorch down under the
 * thread and could crash the process instead. Checkpoints are written atomically, so none is left half-written.
 */
export function exitNow(code: number): never {
  return native().quickExit(code);
}

/**
 * For a launcher's worker whose launcher reports that another process of its data-parallel job has
 * ended: makes every collective this process waits on, now or later, fail with a DistributedError
 * naming `reason`, so that training stops, rank 0 writes last.pth, and the process ends. Gloo would
 * otherwise leave a send to the dead process waiting until `--dist-timeout`.
 */
export function abandonCollectives(reason: string): void {
  if (typeof reason !== 'string' || reason === '') throw new TypeError(`reason must be a non-empty string, got ${String(reason)}`);
  native().abandonCollectives(reason);
}
