/** Python's int() of a decimal string (surrounding whitespace allowed), or NaN; iCatcher+'s parsers read numbers so. */
export function parseInteger(text: string): number {
  const t = text.trim();
  return /^[+-]?\d+$/.test(t) ? Number(t) : NaN;
}
