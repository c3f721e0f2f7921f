// Lists of database names on the command line and in action inputs. Names may hold anything
// PostgreSQL allows in a quoted identifier (quotes, spaces, newlines, non-ASCII letters), and
// commas too: a backslash makes the next character literal (`a\,b` is the one name "a,b",
// `\\` a backslash, `\ ` a space kept at an end). Unescaped whitespace around an item is
// trimmed so `core, keycloak` works.
import { PgkeepError } from './errors.js';

/**
 * Split `text` on `separators` (default `,`; the action input also takes newlines).
 * A trailing lone backslash is refused rather than guessed at.
 */
export function parseNameList(text: string, what: string, separators = ','): string[] {
  const items: string[] = [];
  // Per item: its characters and whether each was escaped (escaped whitespace is never trimmed).
  let cur: { ch: string; esc: boolean }[] = [];
  const flush = () => {
    let a = 0;
    let b = cur.length;
    while (a < b && !cur[a].esc && /\s/.test(cur[a].ch)) a++;
    while (b > a && !cur[b - 1].esc && /\s/.test(cur[b - 1].ch)) b--;
    const name = cur.slice(a, b).map((c) => c.ch).join('');
    if (name) items.push(name);
    cur = [];
  };
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    if (ch === '\\') {
      if (i + 1 >= chars.length)
        throw new PgkeepError('bad-usage', `${what} ends with a lone backslash: ${JSON.stringify(text)}.`, 'A backslash makes the next character part of the name: write a\\,b for a database named "a,b" and \\\\ for a backslash.');
      cur.push({ ch: chars[++i], esc: true });
    } else if (separators.includes(ch)) flush();
    else cur.push({ ch, esc: false });
  }
  flush();
  return items;
}

/** The inverse of parseNameList: names written so that it reads them back (for hints that show a command line). */
export function formatNameList(names: string[]): string {
  return names
    .map((n) => {
      const chars = [...n];
      // Commas and backslashes always; whitespace at either end, which parseNameList would trim.
      return chars.map((ch, i) => (ch === ',' || ch === '\\' || (/\s/.test(ch) && (i === 0 || i === chars.length - 1)) ? `\\${ch}` : ch)).join('');
    })
    .join(',');
}
