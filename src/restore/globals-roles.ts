// Roles from a backup's globals.sql (pg_dumpall --globals-only): which roles it defines and the
// statements that recreate each one. A logical restore creates only the roles the server lacks
// and never alters an existing role. Statements may carry password hashes: never log them.

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

const IDENT = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
const CREATE_RE = new RegExp(String.raw`^CREATE ROLE ${IDENT};$`);
const ALTER_RE = new RegExp(String.raw`^ALTER ROLE ${IDENT} (WITH|SET|RESET|IN DATABASE) `);
const IN_DB_RE = new RegExp(String.raw`^ALTER ROLE ${IDENT} IN DATABASE `);
const COMMENT_RE = new RegExp(String.raw`^COMMENT ON ROLE ${IDENT} IS `);
const GRANT_RE = new RegExp(String.raw`^GRANT ${IDENT} TO ${IDENT}( WITH [A-Z ]+OPTION)?( GRANTED BY ${IDENT})?;$`);

export function unquoteIdent(s: string): string {
  return s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s;
}

/** Parse the role part of pg_dumpall --globals-only output (one statement per line). */
export function parseGlobalsRoles(sql: string): RoleDef[] {
  const roles = new Map<string, RoleDef>();
  for (const raw of sql.split('\n')) {
    const line = raw.trimEnd();
    let m = CREATE_RE.exec(line);
    if (m) {
      const name = unquoteIdent(m[1]);
      if (!roles.has(name)) roles.set(name, { name, statements: [line], bestEffort: [] });
      continue;
    }
    m = IN_DB_RE.exec(line);
    if (m) {
      roles.get(unquoteIdent(m[1]))?.bestEffort.push(line);
      continue;
    }
    m = ALTER_RE.exec(line) ?? COMMENT_RE.exec(line);
    if (m) {
      roles.get(unquoteIdent(m[1]))?.statements.push(line);
      continue;
    }
    m = GRANT_RE.exec(line);
    if (m) {
      // GRANTED BY may name a role this server lacks; the membership itself is what matters.
      const stmt = m[4] ? line.replace(/ GRANTED BY [^;]+;$/, ';') : line;
      roles.get(unquoteIdent(m[2]))?.bestEffort.push(stmt);
    }
  }
  return [...roles.values()];
}
