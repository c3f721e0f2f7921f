// Split SQL written by pg_dump, pg_dumpall and pg_restore into whole statements and tokens, so
// that pgkeep can run their statements one by one and rewrite a name at a known place. Names and
// literals may hold quotes, newlines and semicolons: they are read as the server reads them
// (quoted identifiers with "", standard-conforming strings with '', E'' strings, dollar quotes,
// comments), never line by line. psql meta-commands (\connect, \restrict) are set apart.
import { PgkeepError } from '../util/errors.js';

export interface SqlToken {
  /** word: keyword or bare identifier; ident: "quoted identifier"; string: a literal; op: anything else. */
  kind: 'word' | 'ident' | 'string' | 'number' | 'op';
  /** The token as written. */
  raw: string;
  /** Unquoted identifier, or the raw text for other kinds. */
  value: string;
  /** Offsets in the statement's text. */
  start: number;
  end: number;
}

export interface SqlStatement {
  /** From the first token to the terminating semicolon, inclusive. */
  text: string;
  tokens: SqlToken[];
}

export interface SqlScript {
  statements: SqlStatement[];
  /** psql meta-command lines (`\connect …`, `\restrict …`), which are not SQL. */
  meta: string[];
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Split a script into statements. An unterminated quote, comment or statement is an error. */
export function splitSqlScript(sql: string): SqlScript {
  const statements: SqlStatement[] = [];
  const meta: string[] = [];
  let tokens: { kind: SqlToken['kind']; raw: string; value: string; at: number }[] = [];
  let i = 0;
  const n = sql.length;
  const fail = (what: string): never => {
    throw new PgkeepError('bad-sql-script', `The SQL from the backup has ${what} at offset ${i}; pgkeep does not run a statement it cannot read whole.`);
  };
  const endOf = (close: string, from: number, what: string) => {
    const j = sql.indexOf(close, from);
    if (j < 0) fail(what);
    return j;
  };

  while (i < n) {
    const ch = sql[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '-' && sql[i + 1] === '-') {
      const j = sql.indexOf('\n', i);
      i = j < 0 ? n : j + 1;
    } else if (ch === '/' && sql[i + 1] === '*') {
      // Comments nest in PostgreSQL.
      let depth = 1;
      let j = i + 2;
      while (depth > 0) {
        if (j >= n) fail('an unterminated comment');
        if (sql.startsWith('/*', j)) (depth++, (j += 2));
        else if (sql.startsWith('*/', j)) (depth--, (j += 2));
        else j++;
      }
      i = j;
    } else if (ch === '\\' && tokens.length === 0) {
      // psql meta-commands only ever start a line between statements in dump output.
      const j = sql.indexOf('\n', i);
      meta.push(sql.slice(i, j < 0 ? n : j));
      i = j < 0 ? n : j + 1;
    } else if (ch === ';') {
      if (tokens.length) {
        const at = tokens[0].at;
        const text = sql.slice(at, i + 1);
        statements.push({
          text,
          tokens: tokens.map((t) => ({ kind: t.kind, raw: t.raw, value: t.value, start: t.at - at, end: t.at - at + t.raw.length })),
        });
      }
      tokens = [];
      i++;
    } else if (ch === "'" || ((ch === 'E' || ch === 'e') && sql[i + 1] === "'" && !prevIsWordChar(sql, i))) {
      const escapes = ch !== "'";
      let j = i + (escapes ? 2 : 1);
      let value = '';
      for (;;) {
        if (j >= n) fail('an unterminated string literal');
        const c = sql[j];
        if (escapes && c === '\\') {
          value += sql[j + 1] ?? '';
          j += 2;
        } else if (c === "'") {
          if (sql[j + 1] === "'") (value += "'"), (j += 2);
          else break;
        } else (value += c), j++;
      }
      tokens.push({ kind: 'string', raw: sql.slice(i, j + 1), value, at: i });
      i = j + 1;
    } else if (ch === '"') {
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= n) fail('an unterminated quoted identifier');
        if (sql[j] === '"') {
          if (sql[j + 1] === '"') (value += '"'), (j += 2);
          else break;
        } else (value += sql[j]), j++;
      }
      if (!value) fail('an empty quoted identifier');
      tokens.push({ kind: 'ident', raw: sql.slice(i, j + 1), value, at: i });
      i = j + 1;
    } else if (ch === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(i, i + 66))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 66))![0];
      const j = endOf(tag, i + tag.length, 'an unterminated dollar-quoted string');
      tokens.push({ kind: 'string', raw: sql.slice(i, j + tag.length), value: sql.slice(i + tag.length, j), at: i });
      i = j + tag.length;
    } else if (WORD_START.test(ch)) {
      let j = i + 1;
      while (j < n && WORD_PART.test(sql[j])) j++;
      tokens.push({ kind: 'word', raw: sql.slice(i, j), value: sql.slice(i, j), at: i });
      i = j;
    } else if (/[0-9]/.test(ch)) {
      const m = /^[0-9]+(\.[0-9]*)?([eE][+-]?[0-9]+)?/.exec(sql.slice(i, i + 64))!;
      tokens.push({ kind: 'number', raw: m[0], value: m[0], at: i });
      i += m[0].length;
    } else {
      tokens.push({ kind: 'op', raw: ch, value: ch, at: i });
      i++;
    }
  }
  if (tokens.length) fail('a statement without its terminating semicolon');
  return { statements, meta };
}

function prevIsWordChar(sql: string, i: number): boolean {
  return i > 0 && WORD_PART.test(sql[i - 1]);
}

/** Is token `t` the keyword `kw` (case-insensitive)? */
export function isKeyword(t: SqlToken | undefined, kw: string): boolean {
  return t?.kind === 'word' && t.value.toUpperCase() === kw;
}

/** Does the statement start with these keywords? */
export function startsWith(s: SqlStatement, ...kws: string[]): boolean {
  return kws.every((k, i) => isKeyword(s.tokens[i], k));
}

/** A name as the server reads it: bare words have their ASCII letters folded to lower case. */
export function nameOf(t: SqlToken | undefined): string | undefined {
  if (t?.kind === 'ident') return t.value;
  if (t?.kind === 'word') return t.value.replace(/[A-Z]/g, (c) => c.toLowerCase());
  return undefined;
}

/** The statement with token `t` replaced by `replacement`. */
export function replaceToken(s: SqlStatement, t: SqlToken, replacement: string): string {
  return s.text.slice(0, t.start) + replacement + s.text.slice(t.end);
}
