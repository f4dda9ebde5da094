import { InvalidArgumentError } from 'commander';

/** Parses a positive integer flag value, or says which flag was wrong. */
export function positiveInteger(flag: string): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${flag} must be a positive integer, got '${value}'`);
    return n;
  };
}
