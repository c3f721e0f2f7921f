import { describe, expect, it } from 'vitest';
import { databaseEntryList, databasePropertiesFor, decodeDumpSql } from '../../../src/restore/database-properties.js';

// pg_restore -C -l of a PostgreSQL 15 archive: the database's own entries among others.
const LISTING = `;
; Archive created at 2026-11-26 13:54:38 UTC
;     dbname: we"ird ü db
;
3339; 1262 16386 DATABASE - we"ird ü db own"er
3340; 0 0 COMMENT - DATABASE "we""ird ü db" own"er
3342; 0 0 DATABASE PROPERTIES - we"ird ü db own"er
6; 2615 2200 SCHEMA - public pg_database_owner
3343; 0 0 COMMENT - SCHEMA public pg_database_owner
214; 1259 16390 TABLE public t own"er
3341; 0 0 ACL - DATABASE "we""ird ü db" own"er
3344; 0 0 ACL - SCHEMA public pg_database_owner
`;

// pg_restore -C -L <those entries> -f - (PostgreSQL 15.18), trimmed of repeated session setup.
const SQL = `--
-- PostgreSQL database dump
--

\\restrict CU22JUnCFM2lSFETDJC5qhcwN5pTHpjF0vS7kEaXedpdRmWxxKjDCjqrkh2pdAK

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;

--
-- Name: we"ird ü db; Type: DATABASE; Schema: -; Owner: own"er
--

CREATE DATABASE "we""ird ü db" WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'C.UTF-8' TABLESPACE = "fast ü";


ALTER DATABASE "we""ird ü db" OWNER TO "own""er";

\\unrestrict CU22JUnCFM2lSFETDJC5qhcwN5pTHpjF0vS7kEaXedpdRmWxxKjDCjqrkh2pdAK
\\encoding SQL_ASCII
\\connect -reuse-previous=on "dbname='we""ird ü db'"
\\restrict CU22JUnCFM2lSFETDJC5qhcwN5pTHpjF0vS7kEaXedpdRmWxxKjDCjqrkh2pdAK

SET statement_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;

COMMENT ON DATABASE "we""ird ü db" IS 'it''s "we""ird ü db";
ALTER DATABASE postgres OWNER TO x;';

ALTER DATABASE "we""ird ü db" CONNECTION LIMIT = 17;
ALTER DATABASE "we""ird ü db" IS_TEMPLATE = true;
ALTER DATABASE "we""ird ü db" SET search_path TO 'we"ird ü db', 'public';
ALTER ROLE "r;x
y" IN DATABASE "we""ird ü db" SET work_mem TO '3MB';

REVOKE CONNECT,TEMPORARY ON DATABASE "we""ird ü db" FROM PUBLIC;
SET SESSION AUTHORIZATION "gr""antor";
GRANT CREATE ON DATABASE "we""ird ü db" TO "r;x
y" WITH GRANT OPTION;
RESET SESSION AUTHORIZATION;

\\unrestrict CU22JUnCFM2lSFETDJC5qhcwN5pTHpjF0vS7kEaXedpdRmWxxKjDCjqrkh2pdAK
`;

describe('databaseEntryList', () => {
  it("selects exactly the database's own entries", () => {
    expect(databaseEntryList(LISTING).split('\n').filter(Boolean).map((l) => l.split(';')[0])).toEqual(['3339', '3340', '3342', '3341']);
  });
});

describe('databasePropertiesFor', () => {
  const T = `it's "new" ü`;
  const p = databasePropertiesFor(SQL, T)!;

  it('creates the target with the archive encoding and locale, and names the tablespace', () => {
    expect(p.source).toBe('we"ird ü db');
    expect(p.create).toBe(`CREATE DATABASE "it's ""new"" ü" WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'C.UTF-8' TABLESPACE = "fast ü";`);
    expect(p.tablespace).toBe('fast ü');
    expect(p.createWithoutTablespace).toBe(`CREATE DATABASE "it's ""new"" ü" WITH TEMPLATE = template0 ENCODING = 'UTF8' LOCALE_PROVIDER = libc LOCALE = 'C.UTF-8';`);
  });

  it('rewrites the name where the grammar puts it, and nowhere else (not in comments or values)', () => {
    expect(p.statements).toEqual([
      `ALTER DATABASE "it's ""new"" ü" OWNER TO "own""er";`,
      `COMMENT ON DATABASE "it's ""new"" ü" IS 'it''s "we""ird ü db";\nALTER DATABASE postgres OWNER TO x;';`,
      `ALTER DATABASE "it's ""new"" ü" CONNECTION LIMIT = 17;`,
      `ALTER DATABASE "it's ""new"" ü" IS_TEMPLATE = true;`,
      `ALTER DATABASE "it's ""new"" ü" SET search_path TO 'we"ird ü db', 'public';`,
      `ALTER ROLE "r;x\ny" IN DATABASE "it's ""new"" ü" SET work_mem TO '3MB';`,
      `REVOKE CONNECT,TEMPORARY ON DATABASE "it's ""new"" ü" FROM PUBLIC;`,
      `SET SESSION AUTHORIZATION "gr""antor";`,
      `GRANT CREATE ON DATABASE "it's ""new"" ü" TO "r;x\ny" WITH GRANT OPTION;`,
      'RESET SESSION AUTHORIZATION;',
    ]);
  });

  it('has nothing to do for an archive without a DATABASE entry', () => {
    expect(databasePropertiesFor('SET client_encoding = \'UTF8\';\n', T)).toBeUndefined();
  });

  it('refuses a statement it does not know, or one about another database', () => {
    expect(() => databasePropertiesFor(`CREATE DATABASE a WITH TEMPLATE = template0;\nDROP DATABASE a;\n`, T)).toThrow(/does not know how to apply/);
    expect(() => databasePropertiesFor(`CREATE DATABASE a WITH TEMPLATE = template0;\nALTER DATABASE b SET work_mem TO '1MB';\n`, T)).toThrow(/names another database than "a"/);
  });
});

describe('decodeDumpSql', () => {
  it('reads UTF8 and LATIN1 archives, and refuses an encoding it cannot map', () => {
    expect(decodeDumpSql(Buffer.from(`SET client_encoding = 'UTF8';\nCOMMENT ON DATABASE x IS 'ü';`))).toContain("'ü'");
    expect(decodeDumpSql(Buffer.concat([Buffer.from(`SET client_encoding = 'LATIN1';\nCOMMENT ON DATABASE x IS '`), Buffer.from([0xfc]), Buffer.from("';")]))).toContain("'ü'");
    expect(() => decodeDumpSql(Buffer.from(`SET client_encoding = 'EUC_TW';\n`))).toThrow(/encoding EUC_TW/);
  });
});
