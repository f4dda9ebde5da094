// A small XML reader with ElementTree's model (tag, text before the first child, children), enough
// for VCX files. No namespaces, no DTD processing.

export interface XmlElement {
  tag: string;
  /** text between the start tag and the first child (null when there is none, as in ElementTree) */
  text: string | null;
  children: XmlElement[];
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML 1.0's Char production: what a character reference may name. */
function isXmlChar(code: number): boolean {
  return code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
}

/** Replaces entity and character references; `fail` gets what ElementTree would refuse. */
function decodeEntities(text: string, fail: (problem: string) => never): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|[A-Za-z_][\w.-]*);|&/g, (whole, name: string | undefined) => {
    if (name === undefined) return fail("'&' that does not start an entity or character reference");
    if (name.startsWith('#')) {
      const code = name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (!isXmlChar(code)) fail(`character reference ${whole} is not a valid XML character`);
      return String.fromCodePoint(code);
    }
    const value = ENTITIES[name];
    return value ?? fail(`undefined entity ${whole}`);
  });
}

/** Parses an XML document; throws an Error saying what is wrong and where (character offset). */
export function parseXml(source: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let p = 0;
  const fail = (problem: string): never => {
    throw new Error(`malformed XML at offset ${p}: ${problem}`);
  };
  const addText = (text: string): void => {
    const parent = stack[stack.length - 1];
    // Outside the root only whitespace (and a byte-order mark) may stand.
    if (!parent) {
      if (text.trim() !== '') fail(`text ${JSON.stringify(text.trim().slice(0, 20))} outside the root element`);
      return;
    }
    const decoded = decodeEntities(text, fail);
    // ElementTree keeps only the text before the first child as `.text`; later text is a child's tail.
    if (parent.children.length === 0) parent.text = (parent.text ?? '') + decoded;
  };
  while (p < source.length) {
    const lt = source.indexOf('<', p);
    if (lt < 0) {
      if (source.slice(p).trim() !== '') fail('text after the root element');
      break;
    }
    if (lt > p) addText(source.slice(p, lt));
    p = lt;
    if (source.startsWith('<?', p)) {
      const end = source.indexOf('?>', p);
      if (end < 0) fail('unterminated processing instruction');
      p = end + 2;
    } else if (source.startsWith('<!--', p)) {
      const end = source.indexOf('-->', p);
      if (end < 0) fail('unterminated comment');
      p = end + 3;
    } else if (source.startsWith('<![CDATA[', p)) {
      const end = source.indexOf(']]>', p);
      if (end < 0) fail('unterminated CDATA section');
      const parent = stack[stack.length - 1];
      if (parent && parent.children.length === 0) parent.text = (parent.text ?? '') + source.slice(p + 9, end);
      p = end + 3;
    } else if (source.startsWith('<!', p)) {
      // DOCTYPE, possibly with an internal subset in brackets.
      let depth = 0;
      let q = p + 2;
      for (; q < source.length; q += 1) {
        const c = source[q];
        if (c === '[') depth += 1;
        else if (c === ']') depth -= 1;
        else if (c === '>' && depth === 0) break;
      }
      if (q >= source.length) fail('unterminated declaration');
      p = q + 1;
    } else if (source.startsWith('</', p)) {
      const end = source.indexOf('>', p);
      if (end < 0) fail('unterminated end tag');
      const name = source.slice(p + 2, end).trim();
      const open = stack.pop();
      if (!open || open.tag !== name) fail(`end tag </${name}> does not match <${open?.tag ?? '(none)'}>`);
      p = end + 1;
    } else {
      const match = /^<([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(source.slice(p, p + 4096));
      if (!match) fail('malformed start tag');
      const [whole, tag, , selfClosing] = match as RegExpExecArray;
      const element: XmlElement = { tag: tag as string, text: null, children: [] };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) fail('more than one root element');
      else root = element;
      if (selfClosing !== '/') stack.push(element);
      p += whole.length;
    }
  }
  if (stack.length > 0) fail(`<${(stack[stack.length - 1] as XmlElement).tag}> is not closed`);
  if (!root) fail('no root element');
  return root as XmlElement;
}

/** All elements in document order, `element` first (ElementTree's `iter()`); no recursion, so depth cannot overflow the stack. */
export function* iterElements(element: XmlElement): Generator<XmlElement> {
  const pending: XmlElement[] = [element];
  while (pending.length > 0) {
    const next = pending.pop() as XmlElement;
    yield next;
    for (let i = next.children.length - 1; i >= 0; i -= 1) pending.push(next.children[i] as XmlElement);
  }
}
