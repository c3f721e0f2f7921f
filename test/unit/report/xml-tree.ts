// A strict XML 1.0 well-formedness check for the SVGs pgkeep writes, returning the element tree.
// Small on purpose (no DTDs, no CDATA, no processing instructions besides the declaration: the
// renderers write none); anything it does not understand is an error, never skipped.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Text directly inside the element, entities decoded. */
  text: string;
}

const NAME = /^[A-Za-z_:][A-Za-z0-9_:.-]*/;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(raw: string, where: number): string {
  if (raw.includes('<')) throw new Error(`'<' in character data near offset ${where}`);
  return raw.replace(/&([^;]*);?/g, (m, ref: string) => {
    if (!m.endsWith(';')) throw new Error(`unterminated entity '${m}' near offset ${where}`);
    if (ref in ENTITIES) return ENTITIES[ref];
    const num = /^#([0-9]+)$/.exec(ref) ?? /^#x([0-9A-Fa-f]+)$/.exec(ref);
    if (num) return String.fromCodePoint(parseInt(num[1], ref[1] === 'x' ? 16 : 10));
    throw new Error(`unknown entity '${m}' near offset ${where}`);
  });
}

/** Parse `src` or throw naming what is wrong and where. */
export function parseXml(src: string): XmlElement {
  let i = 0;
  const fail = (msg: string): never => {
    throw new Error(`${msg} at offset ${i}: ${JSON.stringify(src.slice(i, i + 40))}`);
  };
  const skipMisc = () => {
    for (;;) {
      const ws = /^\s*/.exec(src.slice(i))![0];
      i += ws.length;
      if (src.startsWith('<!--', i)) {
        const end = src.indexOf('-->', i + 4);
        if (end < 0) fail('unterminated comment');
        if (src.slice(i + 4, end).includes('--')) fail("'--' inside a comment");
        i = end + 3;
      } else return;
    }
  };
  if (src.startsWith('<?xml', i)) {
    const end = src.indexOf('?>', i);
    if (end < 0) fail('unterminated XML declaration');
    i = end + 2;
  }
  skipMisc();
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < src.length) {
    if (!stack.length && root) {
      skipMisc();
      if (i < src.length) fail('content after the root element');
      break;
    }
    if (src.startsWith('<!--', i)) {
      skipMisc();
      continue;
    }
    if (src.startsWith('<![CDATA[', i) || src.startsWith('<!', i) || src.startsWith('<?', i)) fail('unsupported markup');
    if (src.startsWith('</', i)) {
      i += 2;
      const name = NAME.exec(src.slice(i))?.[0] ?? fail('bad end-tag name');
      i += name.length;
      i += /^\s*/.exec(src.slice(i))![0].length;
      if (src[i] !== '>') fail('bad end tag');
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`</${name}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    if (src[i] === '<') {
      i++;
      const name = NAME.exec(src.slice(i))?.[0] ?? fail('bad tag name');
      i += name.length;
      const el: XmlElement = { name, attrs: {}, children: [], text: '' };
      for (;;) {
        const ws = /^\s*/.exec(src.slice(i))![0];
        i += ws.length;
        if (src.startsWith('/>', i) || src[i] === '>') break;
        if (!ws) fail('attributes must be separated by white space');
        const an = NAME.exec(src.slice(i))?.[0] ?? fail('bad attribute name');
        i += an.length;
        const eq = /^\s*=\s*/.exec(src.slice(i))?.[0] ?? fail(`attribute ${an} without '='`);
        i += eq.length;
        const q = src[i];
        if (q !== '"' && q !== "'") fail(`attribute ${an} value not quoted`);
        const end = src.indexOf(q, i + 1);
        if (end < 0) fail(`unterminated value of ${an}`);
        if (an in el.attrs) fail(`duplicate attribute ${an}`);
        el.attrs[an] = decode(src.slice(i + 1, end), i);
        i = end + 1;
      }
      if (stack.length) stack.at(-1)!.children.push(el);
      else if (root) fail('second root element');
      else root = el;
      if (src.startsWith('/>', i)) i += 2;
      else {
        i++;
        stack.push(el);
      }
      continue;
    }
    const next = src.indexOf('<', i);
    const raw = src.slice(i, next < 0 ? src.length : next);
    if (!stack.length) {
      if (raw.trim()) fail('text outside the root element');
    } else stack.at(-1)!.text += decode(raw, i);
    i += raw.length;
  }
  if (stack.length) throw new Error(`<${stack.at(-1)!.name}> is never closed`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element below (and including) `el`, depth first. */
export function allElements(el: XmlElement): XmlElement[] {
  return [el, ...el.children.flatMap(allElements)];
}

/** Text of an element and everything below it. */
export function textOf(el: XmlElement): string {
  return el.text + el.children.map(textOf).join('');
}
