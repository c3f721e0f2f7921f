import { describe, expect, it } from 'vitest';
import { escapeXml, niceStep, parseLagSamples, renderLagSvg } from '../../../bench/lag-svg.js';

/**
 * A tiny well-formedness check (no XML library in the tree): every tag closes in order, attributes
 * are name="value" with no raw '<' or '&', text holds only known entities, one root element.
 * Returns the element names in document order so a test can also look at the structure.
 */
function checkXml(xml: string): string[] {
  const names: string[] = [];
  const stack: string[] = [];
  const entity = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
  const checkText = (t: string): void => {
    if (/[<>]/.test(t.replace(entity, ''))) throw new Error(`raw markup in text: ${t}`);
    if (/&/.test(t.replace(entity, ''))) throw new Error(`bare & in text: ${t}`);
  };
  let i = 0;
  let roots = 0;
  while (i < xml.length) {
    const lt = xml.indexOf('<', i);
    const text = lt < 0 ? xml.slice(i) : xml.slice(i, lt);
    if (stack.length === 0 && text.trim()) throw new Error(`text outside the root: ${text.trim()}`);
    checkText(text);
    if (lt < 0) break;
    const gt = xml.indexOf('>', lt);
    if (gt < 0) throw new Error('unterminated tag');
    const tag = xml.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('?') || tag.startsWith('!--')) continue;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      if (stack.pop() !== name) throw new Error(`</${name}> closes the wrong element`);
      continue;
    }
    const m = /^([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*="[^"<]*")*)\s*(\/?)$/.exec(tag);
    if (!m) throw new Error(`malformed tag: <${tag}>`);
    const attrs = [...m[2].matchAll(/([A-Za-z_][\w:.-]*)="([^"]*)"/g)];
    const seen = new Set<string>();
    for (const [, name, value] of attrs) {
      if (seen.has(name)) throw new Error(`duplicate attribute ${name}`);
      seen.add(name);
      checkText(value);
    }
    if (stack.length === 0) roots++;
    names.push(m[1]);
    if (m[3] !== '/') stack.push(m[1]);
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(', ')}`);
  if (roots !== 1) throw new Error(`${roots} root elements`);
  return names;
}

describe('the XML check itself', () => {
  it('rejects what a browser would refuse to draw', () => {
    expect(() => checkXml('<svg><g></svg>')).toThrow();
    expect(() => checkXml('<svg><text>a < b</text></svg>')).toThrow();
    expect(() => checkXml('<svg><text>R&D</text></svg>')).toThrow();
    expect(() => checkXml('<svg a="1" a="2"/>')).toThrow();
    expect(() => checkXml('<svg/><svg/>')).toThrow();
    expect(checkXml('<svg><text>R&amp;D</text><g/></svg>')).toEqual(['svg', 'text', 'g']);
  });
});

describe('renderLagSvg', () => {
  const pgkeep = parseLagSamples('0.01 0\n1.02 3\n2.03 7\n3.05 12\n4.07 5\n5.1 0\n');
  const pgbackrest = parseLagSamples('# second waiting\n0.00 0\n1.01 1\n2.02 1\n3.04 0\n4.06 0\n');

  it('draws one well-formed SVG with a line and a legend entry per archiver', () => {
    const svg = renderLagSvg(
      [{ label: 'pgkeep wal-push', points: pgkeep }, { label: 'pgbackrest archive-push (zst-3)', points: pgbackrest }],
      { title: 'Segments waiting, 30 tx/s × ~1 MB for 4 s', loadSeconds: 4 },
    );
    const names = checkXml(svg);
    expect(names[0]).toBe('svg');
    expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
    expect(names.filter((n) => n === 'polyline')).toHaveLength(2);
    expect(svg).toContain('pgkeep wal-push (max 12)');
    expect(svg).toContain('pgbackrest archive-push (zst-3) (max 1)');
    // The y axis reaches the worst lag: its top label is at least 12.
    const yLabels = [...svg.matchAll(/<text x="50" y="[\d.]+" text-anchor="end">(\d+)<\/text>/g)].map((m) => Number(m[1]));
    expect(Math.max(...yLabels)).toBeGreaterThanOrEqual(12);
  });

  it('stays well-formed with markup characters in labels, no samples, or nothing waiting', () => {
    checkXml(renderLagSvg([{ label: 'a <b> & "c"', points: [] }], { title: 'R&D <lag>' }));
    checkXml(renderLagSvg([{ label: 'idle', points: [[0, 0], [1, 0]] }], { title: 'flat', loadSeconds: 1 }));
    checkXml(renderLagSvg([], { title: 'empty' }));
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });

  it('every coordinate is a finite number inside the canvas', () => {
    const svg = renderLagSvg([{ label: 'pgkeep', points: pgkeep }], { title: 't', loadSeconds: 4, width: 500, height: 300 });
    const polyline = /<polyline[^>]* points="([^"]+)"/.exec(svg)![1];
    for (const pair of polyline.split(' ')) {
      const [x, y] = pair.split(',').map(Number);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(500);
      expect(y).toBeGreaterThanOrEqual(0);
      expect(y).toBeLessThanOrEqual(300);
    }
  });
});

describe('parseLagSamples and niceStep', () => {
  it('reads "<second> <waiting>" lines and skips comments and garbled ones', () => {
    expect(parseLagSamples('# t n\n.5 2\n\n1.5 x\n2.5 4\n')).toEqual([[0.5, 2], [2.5, 4]]);
  });
  it('picks 1, 2 or 5 × 10^k ticks', () => {
    expect(niceStep(40, 8)).toBe(5);
    expect(niceStep(7, 5)).toBe(2);
    expect(niceStep(300, 8)).toBe(50);
    expect(niceStep(0)).toBe(1);
  });
});
