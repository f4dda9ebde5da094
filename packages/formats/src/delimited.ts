// Comma- or tab-separated tables with a header row, quoted as Python's csv module writes them.

export interface Table {
  header: string[];
  /** data rows, each as long as it is in the file */
  rows: string[][];
}

/**
 * Splits `text` into rows of fields; `"` quotes a field, `""` inside quotes is a quote. A quote left
 * open at the end of the text is an error naming `file` and the line it opened on (Python's csv
 * would quietly swallow the rest of the file into one field).
 */
export function parseDelimited(text: string, delimiter: ',' | '\t', file: string): Table {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStarted = false;
  let line = 1;
  let quoteLine = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (c === '\n' || (c === '\r' && text[i + 1] !== '\n')) line += 1;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
      quoteLine = line;
    } else if (c === delimiter) {
      row.push(field);
      field = '';
      fieldStarted = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') {
        i += 1;
        line += 1;
      }
      row.push(field);
      if (row.length > 1 || (row[0] as string) !== '') rows.push(row);
      row = [];
      field = '';
      fieldStarted = false;
    } else {
      field += c;
      fieldStarted = true;
    }
  }
  if (quoted) throw new Error(`${file}:${quoteLine}: unterminated quote: the field opened on line ${quoteLine} runs to the end of the file`);
  row.push(field);
  if (row.length > 1 || (row[0] as string) !== '') rows.push(row);
  const [header = [], ...data] = rows;
  return { header: header.map((h) => h.trim()), rows: data };
}

/** Index of each required column; throws naming the file and the missing column. */
export function requireColumns(table: Table, file: string, names: readonly string[]): Record<string, number> {
  const index: Record<string, number> = {};
  for (const name of names) {
    const i = table.header.indexOf(name);
    if (i < 0) throw new Error(`${file}: no '${name}' column (columns: ${table.header.join(', ') || 'none'})`);
    index[name] = i;
  }
  return index;
}
