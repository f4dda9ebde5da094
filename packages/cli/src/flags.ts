import { InvalidArgumentError } from 'commander';

/** Parses a positive integer flag value, or says which flag was wrong. */
export function positiveInteger(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive integer, got '${value}'`);
    return n;
  };
}

/** Parses a non-negative integer flag value (0 allowed, e.g. "off"). */
export function nonNegativeInteger(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < 0) throw new InvalidArgumentError(`${flag} must be a non-negative integer, got '${value}'`);
    return n;
  };
}

/** Parses a positive finite number flag value. */
export function positiveNumber(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive number, got '${value}'`);
    return n;
  };
}

/** Parses a number in [0, 1] (a share, a level). */
export function unitInterval(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !(n >= 0 && n <= 1)) throw new InvalidArgumentError(`${flag} must be a number from 0 to 1, got '${value}'`);
    return n;
  };
}

/** The flag as typed for an option key: `numClasses` → `--num-classes`. */
export function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** As commander hands options to an action: a flag counts as given unless undefined or false. */
function given(opts: object, key: string): boolean {
  const value = (opts as Record<string, unknown>)[key];
  return value !== undefined && value !== false;
}

/**
 * Throws when more than one of `keys` was given: "--a and --b exclude each other", or `message`.
 * Checked after parsing (commander's own `conflicts` does not see defaults or say why).
 */
export function exclusive<T extends object>(opts: T, keys: ReadonlyArray<keyof T & string>, message?: string): void {
  const set = keys.filter((k) => given(opts, k)).map(flagName);
  if (set.length < 2) return;
  throw new Error(message ?? `${set.slice(0, -1).join(', ')} and ${set[set.length - 1]} exclude each other`);
}

/** Throws when `flag` was given without `needed`: "--flag needs --needed", or `message`. */
export function requires<T extends object>(opts: T, flag: keyof T & string, needed: keyof T & string, message?: string): void {
  if (given(opts, flag) && !given(opts, needed)) throw new Error(message ?? `${flagName(flag)} needs ${flagName(needed)}`);
}

/**
 * A comma-separated list of architectures (`regnet_y_16gf,regnet_y_400mf`), where a custom RegNet
 * spec keeps its own commas (`regnet:depth=3,w0=16,…`): a piece with `=` and no `:` continues the
 * spec before it.
 */
export function splitArchList(value: string): string[] {
  const archs: string[] = [];
  for (const piece of value.split(',').map((p) => p.trim())) {
    if (piece === '') continue;
    const last = archs.length - 1;
    if (last >= 0 && piece.includes('=') && !piece.includes(':') && (archs[last] as string).includes(':')) archs[last] = `${archs[last]},${piece}`;
    else archs.push(piece);
  }
  return archs;
}
