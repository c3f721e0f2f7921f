import { describe, expect, it } from 'vitest';
import { parseGlobalsRoles } from '../../../src/restore/globals-roles.js';

// Shape of pg_dumpall --globals-only output (PostgreSQL 15).
const GLOBALS = `--
-- PostgreSQL database cluster dump
--

SET default_transaction_read_only = off;

--
-- Roles
--

CREATE ROLE app_owner;
ALTER ROLE app_owner WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD 'SCRAM-SHA-256$4096:abc$def:ghi';
CREATE ROLE "Ops ""Team"" ü";
ALTER ROLE "Ops ""Team"" ü" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;
COMMENT ON ROLE "Ops ""Team"" ü" IS 'operators';
CREATE ROLE postgres;
ALTER ROLE postgres WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS;

--
-- User Configurations
--

ALTER ROLE app_owner SET search_path TO 'app', 'public';
ALTER ROLE app_owner IN DATABASE core SET work_mem TO '64MB';

--
-- Role memberships
--

GRANT "Ops ""Team"" ü" TO app_owner GRANTED BY postgres;
GRANT readers TO app_owner WITH ADMIN OPTION GRANTED BY gone_role;
CREATE TABLESPACE fast OWNER postgres LOCATION '/ssd';
`;

describe('parseGlobalsRoles', () => {
  const roles = parseGlobalsRoles(GLOBALS);
  const byName = Object.fromEntries(roles.map((r) => [r.name, r]));

  it('finds every role, unquoting quoted names', () => {
    expect(roles.map((r) => r.name)).toEqual(['app_owner', 'Ops "Team" ü', 'postgres']);
  });

  it('keeps each role\'s CREATE, ALTER … WITH/SET and COMMENT statements in order', () => {
    expect(byName.app_owner.statements).toEqual([
      'CREATE ROLE app_owner;',
      expect.stringMatching(/^ALTER ROLE app_owner WITH .* PASSWORD 'SCRAM-SHA-256/),
      `ALTER ROLE app_owner SET search_path TO 'app', 'public';`,
    ]);
    expect(byName['Ops "Team" ü'].statements).toHaveLength(3);
  });

  it('keeps memberships (without GRANTED BY: the grantor may not exist) and per-database settings apart, as best effort', () => {
    expect(byName.app_owner.bestEffort).toEqual([
      `ALTER ROLE app_owner IN DATABASE core SET work_mem TO '64MB';`,
      'GRANT "Ops ""Team"" ü" TO app_owner;',
      'GRANT readers TO app_owner WITH ADMIN OPTION;',
    ]);
    expect(byName.postgres.bestEffort).toEqual([]);
  });
});

describe('parseGlobalsRoles with hostile role names and comments', () => {
  // What pg_dumpall writes for roles whose names and comments hold quotes, newlines and semicolons.
  const EVIL = 'e"\nALTER ROLE canary WITH SUPERUSER;\n--';
  const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const sql = [
    'CREATE ROLE canary;',
    'ALTER ROLE canary WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;',
    `CREATE ROLE ${q(EVIL)};`,
    `ALTER ROLE ${q(EVIL)} WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;`,
    `COMMENT ON ROLE ${q(EVIL)} IS 'x'';\nALTER ROLE canary WITH SUPERUSER;--';`,
    `CREATE ROLE "s; DROP ROLE canary; --";`,
    `GRANT canary TO ${q(EVIL)} WITH INHERIT TRUE GRANTED BY "g;\nDROP ROLE canary;";`,
    '',
  ].join('\n');
  const roles = parseGlobalsRoles(sql);
  const byName = Object.fromEntries(roles.map((r) => [r.name, r]));

  it('reads every name whole, newlines and all', () => {
    expect(roles.map((r) => r.name)).toEqual(['canary', EVIL, 's; DROP ROLE canary; --']);
  });

  it('never attributes a fragment of another statement to a role', () => {
    expect(byName.canary.statements).toHaveLength(2);
    expect(byName.canary.statements.join('\n')).not.toMatch(/WITH SUPERUSER/);
    expect(byName.canary.bestEffort).toEqual([]);
    expect(byName[EVIL].statements).toEqual([
      `CREATE ROLE ${q(EVIL)};`,
      expect.stringMatching(/WITH NOSUPERUSER/),
      `COMMENT ON ROLE ${q(EVIL)} IS 'x'';\nALTER ROLE canary WITH SUPERUSER;--';`,
    ]);
    expect(byName[EVIL].bestEffort).toEqual([`GRANT canary TO ${q(EVIL)} WITH INHERIT TRUE;`]);
  });
});
