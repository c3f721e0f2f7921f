import { describe, expect, it } from 'vitest';
import { nameOf, replaceToken, splitSqlScript } from '../../../src/restore/sql-script.js';

describe('splitSqlScript', () => {
  it('ends statements only at semicolons outside quotes, comments and dollar quotes', () => {
    const { statements, meta } = splitSqlScript(
      [
        '-- a comment; with a semicolon',
        `\\restrict abc`,
        `COMMENT ON DATABASE "a;""b" IS 'it''s;\n-- not a comment';`,
        `SELECT E'\\';x', $f$;$f$, $$ ; $$ /* ; /* nested ; */ */ ;`,
        '\\connect -reuse-previous=on "dbname=\'x\'"',
        'ALTER ROLE "r;\nx" IN DATABASE db SET work_mem TO \'3MB\';',
      ].join('\n'),
    );
    expect(meta).toEqual(['\\restrict abc', '\\connect -reuse-previous=on "dbname=\'x\'"']);
    expect(statements.map((s) => s.text)).toEqual([
      `COMMENT ON DATABASE "a;""b" IS 'it''s;\n-- not a comment';`,
      `SELECT E'\\';x', $f$;$f$, $$ ; $$ /* ; /* nested ; */ */ ;`,
      'ALTER ROLE "r;\nx" IN DATABASE db SET work_mem TO \'3MB\';',
    ]);
    const [comment, select] = statements;
    expect(nameOf(comment.tokens[3])).toBe('a;"b');
    expect(comment.tokens[5]).toMatchObject({ kind: 'string', value: "it's;\n-- not a comment" });
    expect(select.tokens.filter((t) => t.kind === 'string').map((t) => t.value)).toEqual([`';x`, ';', ' ; ']);
    expect(nameOf(statements[2].tokens[5])).toBe('db');
  });

  it('refuses what it cannot read whole', () => {
    expect(() => splitSqlScript(`COMMENT ON ROLE x IS 'open;`)).toThrow(/unterminated string/);
    expect(() => splitSqlScript(`CREATE ROLE "x;`)).toThrow(/unterminated quoted identifier/);
    expect(() => splitSqlScript(`CREATE ROLE x`)).toThrow(/without its terminating semicolon/);
  });

  it('replaces one token in place', () => {
    const [s] = splitSqlScript(`ALTER DATABASE "old ü" SET search_path TO 'old ü';`).statements;
    expect(replaceToken(s, s.tokens[2], '"new"')).toBe(`ALTER DATABASE "new" SET search_path TO 'old ü';`);
  });
});
