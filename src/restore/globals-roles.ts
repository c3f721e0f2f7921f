// Roles from a backup's globals.sql (pg_dumpall --globals-only): which roles it defines and the
// statements that recreate each one. A logical restore creates only the roles the server lacks
// and never alters an existing role. Statements may carry password hashes: never log them.
//
// The script is read statement by statement with a real SQL lexer, never line by line: a role
// name or comment may hold quotes, newlines and semicolons, and none of them may turn into a
// statement of its own. Each kept statement is exactly one statement of a known shape.
import { isKeyword, nameOf, splitSqlScript, startsWith, type SqlStatement } from './sql-script.js';

export interface RoleDef {
  name: string;
  /** CREATE ROLE, then ALTER ROLE … WITH / SET / COMMENT ON ROLE, in dump order. */
  statements: string[];
  /**
   * Applied after every missing role exists, each on its own; one that fails is a warning:
   * memberships (GRANT <role> TO <this role>) and per-database settings (ALTER ROLE … IN
   * DATABASE, which fail where that database does not exist).
   */
  bestEffort: string[];
}

const isName = (s: SqlStatement, i: number) => nameOf(s.tokens[i]) !== undefined;

/** `GRANT <role> TO <role> [WITH …] [GRANTED BY <role>]`, without GRANTED BY (the grantor may not exist). */
function membership(s: SqlStatement): { grantee: string; text: string } | undefined {
  const t = s.tokens;
  if (!startsWith(s, 'GRANT') || !isName(s, 1) || !isKeyword(t[2], 'TO') || !isName(s, 3)) return undefined;
  let end = t.length;
  if (t.length >= 7 && isKeyword(t[t.length - 3], 'GRANTED') && isKeyword(t[t.length - 2], 'BY') && isName(s, t.length - 1)) end = t.length - 3;
  // Between grantee and GRANTED BY only options: WITH ADMIN OPTION, WITH INHERIT TRUE, SET FALSE, …
  const options = t.slice(4, end);
  if (options.length && (!isKeyword(options[0], 'WITH') || options.some((o) => o.kind !== 'word' && o.value !== ','))) return undefined;
  const text = end < t.length ? s.text.slice(0, t[end].start).trimEnd() + ';' : s.text;
  return { grantee: nameOf(t[3])!, text };
}

/** Parse the role part of pg_dumpall --globals-only output. */
export function parseGlobalsRoles(sql: string): RoleDef[] {
  const roles = new Map<string, RoleDef>();
  for (const s of splitSqlScript(sql).statements) {
    const t = s.tokens;
    if (startsWith(s, 'CREATE', 'ROLE') && t.length === 3 && isName(s, 2)) {
      const name = nameOf(t[2])!;
      if (!roles.has(name)) roles.set(name, { name, statements: [s.text], bestEffort: [] });
    } else if (startsWith(s, 'ALTER', 'ROLE') && isName(s, 2) && isKeyword(t[3], 'IN') && isKeyword(t[4], 'DATABASE')) {
      roles.get(nameOf(t[2])!)?.bestEffort.push(s.text);
    } else if (startsWith(s, 'ALTER', 'ROLE') && isName(s, 2) && ['WITH', 'SET', 'RESET'].some((k) => isKeyword(t[3], k))) {
      roles.get(nameOf(t[2])!)?.statements.push(s.text);
    } else if (startsWith(s, 'COMMENT', 'ON', 'ROLE') && isName(s, 3) && isKeyword(t[4], 'IS') && t.length === 6 && t[5].kind === 'string') {
      roles.get(nameOf(t[3])!)?.statements.push(s.text);
    } else {
      const m = membership(s);
      if (m) roles.get(m.grantee)?.bestEffort.push(m.text);
    }
  }
  return [...roles.values()];
}
