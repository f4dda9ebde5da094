// Python's float formatting as iCatcher+'s outputs use it: "{:.02f}" (raw_output) and "{:.02}" (ui).

/**
 * `format(x, '.2f')`: two decimals, rounded from x's exact binary value with ties to even (JS's
 * toFixed breaks exact ties upwards, e.g. 0.125 → '0.13' where Python gives '0.12').
 */
export function formatFixed2(x: number): string {
  const fixed = x.toFixed(2);
  // toFixed(100) is exact for |x| < 1e21, so it shows whether x lies exactly halfway.
  const exact = Math.abs(x).toFixed(100);
  const tail = exact.slice(exact.indexOf('.') + 3);
  if (!/^50*$/.test(tail)) return fixed;
  const down = Math.trunc(Math.abs(x) * 100); // the lower neighbour, in hundredths
  const even = down % 2 === 0 ? down : down + 1;
  const text = (even / 100).toFixed(2);
  return x < 0 && even !== 0 ? `-${text}` : text;
}

/**
 * `format(x, '.2')` (no type letter: general format with 2 significant digits and at least one
 * decimal), for |x| in [0.1, 10) and x = 0, which covers confidences (1/3 … 1) and −1.
 */
export function formatGeneral2(x: number): string {
  if (x !== 0 && (Math.abs(x) < 0.1 || Math.abs(x) >= 10)) throw new RangeError(`formatGeneral2 covers |x| in [0.1, 10), got ${x}`);
  const text = Math.abs(x) < 1 && formatFixed2(x) !== '1.00' && formatFixed2(x) !== '-1.00' ? formatFixed2(x) : x.toPrecision(2);
  const trimmed = text.includes('.') ? text.replace(/0+$/, '') : text;
  return trimmed.endsWith('.') ? `${trimmed}0` : trimmed;
}
