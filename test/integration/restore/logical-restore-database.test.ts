// A logical restore brings back the whole database, not only its schema and data: owner, comment,
// database-level grants, connection limit, ALTER DATABASE … SET and ALTER ROLE …
// IN DATABASE … SET, onto the target name — with a database name that has quotes, a space and a
// non-ASCII letter. And role names from globals.sql cannot smuggle statements into the restore.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { runTool } from '../../../src/postgres/pg-tools.js';
import { pgkeep } from '../../helpers/cli.js';
import { startCluster, tableChecksums } from '../../helpers/pg.js';

const DB = `it's "Ops" ü db`;
const OWNER = 'app "owner" ü';
// A role whose name has a quote, newlines and semicolons: it gets grants and a per-role setting.
const TEAM = 'ops;\n"team"; x';
// A role whose name, split into lines, reads as a statement that would make `canary` a superuser.
const EVIL = 'e"\nALTER ROLE canary WITH SUPERUSER;\n--';

const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
const qi = (s: string) => `"${s.replace(/"/g, '""')}"`;

describe('logical restore of a whole database', () => {
  let c: LocalCluster;
  let repo: string;
  let env: Record<string, string>;

  /** Everything that belongs to the database itself, as the catalogs say. */
  const databaseFacts = async (db: string) => {
    const d = await c.psql(
      `select concat_ws(' | ', datdba::regrole::text, datconnlimit, datistemplate, datallowconn, coalesce(datacl::text, '-'),
              coalesce(shobj_description(oid, 'pg_database'), '-'), pg_encoding_to_char(encoding), datcollate, datctype, datlocprovider)
         from pg_database where datname = ${lit(db)}`,
    );
    // JSON: role names hold newlines.
    const settings = await c.psql(
      `select json_agg(x order by x) from (select coalesce(nullif(s.setrole, 0)::regrole::text, '-') || ' ' || s.setconfig::text as x
         from pg_db_role_setting s join pg_database d on d.oid = s.setdatabase where d.datname = ${lit(db)}) q`,
    );
    return { database: d.trim(), settings: JSON.parse(settings) as string[] | null };
  };
  const sequences = (db: string) => c.psql(`select schemaname || '.' || sequencename || '=' || coalesce(last_value::text, 'null') from pg_sequences order by 1`, db);
  const largeObjects = (db: string) =>
    c.psql(`select oid || ' ' || lomowner::regrole || ' ' || coalesce(lomacl::text, '-') || ' ' || md5(lo_get(oid)) from pg_largeobject_metadata order by oid`, db);
  /** pg_dump -s -C, with the database name (and the random \restrict keys) taken out. */
  const schemaDump = async (db: string) => {
    const out = await runTool(c.binDir, 'pg_dump', ['-s', '-C'], { env: { ...c.env, PGDATABASE: db }, what: 'pg_dump -s' });
    return out
      .split('\n')
      .filter((l) => !/^\\(connect|restrict|unrestrict) /.test(l))
      .join('\n')
      .replaceAll(qi(db), '"<db>"')
      .replaceAll(`-- Name: ${db};`, '-- Name: <db>;');
  };

  beforeAll(async () => {
    c = await startCluster();
    await c.psql(`create role ${qi(OWNER)} login; create role ${qi(TEAM)}; create role canary nologin; create role ${qi(EVIL)}`);
    await c.psql(`create database ${qi(DB)} owner ${qi(OWNER)}`);
    await c.psql(
      `set role ${qi(OWNER)};
       create schema app;
       create table app.items(id bigserial primary key, name text not null, price numeric(10, 2));
       insert into app.items(name, price) select 'item ' || g, g * 1.25 from generate_series(1, 500) g;
       create sequence app.tickets start 100;
       select setval('app.tickets', 4711);
       select nextval('app.items_id_seq') from generate_series(1, 7);
       select lo_from_bytea(424242, convert_to(repeat('large object ü ', 1000), 'UTF8'));
       reset role;
       grant select on app.items to ${qi(TEAM)};`,
      DB,
    );
    await c.psql(
      `alter database ${qi(DB)} set search_path to app, public;
       alter database ${qi(DB)} set work_mem to '12MB';
       alter role ${qi(TEAM)} in database ${qi(DB)} set work_mem to '3MB';
       alter role ${qi(TEAM)} in database ${qi(DB)} set statement_timeout to '5s';
       comment on database ${qi(DB)} is ${lit("the ops' database;\nsecond line")};
       revoke all on database ${qi(DB)} from public;
       grant connect, temporary on database ${qi(DB)} to ${qi(TEAM)};
       grant create on database ${qi(DB)} to ${qi(TEAM)} with grant option;
       alter database ${qi(DB)} connection limit 17;`,
    );
    repo = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-repo-'));
    env = { ...c.env, PGKEEP_REPO: `file://${repo}` };
    const r = await pgkeep(['backup', '--type', 'logical', '--databases', DB], env);
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(async () => {
    await c?.destroy();
    if (repo) await fsp.rm(repo, { recursive: true, force: true });
  });

  it('restores schema, data, sequences, large objects and every database-level property onto <db>_restore', async () => {
    const target = `${DB}_restore`;
    const r = await pgkeep(['restore', '--logical', '--database', DB], env);
    expect(r.code, r.stderr).toBe(0);

    expect(await tableChecksums(c, target)).toEqual(await tableChecksums(c, DB));
    expect(Object.keys(await tableChecksums(c, target))).toEqual(['app.items']);
    expect(await sequences(target)).toBe(await sequences(DB));
    expect(await sequences(target)).toContain('app.tickets=4711');
    expect(await largeObjects(target)).toBe(await largeObjects(DB));
    expect(await largeObjects(target)).toMatch(/^424242 /);
    expect(await schemaDump(target)).toBe(await schemaDump(DB));

    const want = await databaseFacts(DB);
    expect(await databaseFacts(target)).toEqual(want);
    // The facts are what the test set up (not two equally empty answers).
    expect(want.database).toContain(`${qi(OWNER)} | 17 | f | t | {`);
    expect(want.database).toContain('=C*Tc/'); // the team's grants; PUBLIC has none
    expect(want.database).toContain("the ops' database;\nsecond line");
    expect(want.settings?.sort()).toEqual([
      `${qi(TEAM)} {work_mem=3MB,statement_timeout=5s}`,
      `- {"search_path=app, public",work_mem=12MB}`,
    ]);
    // Nothing of the source was touched.
    expect(await databaseFacts(DB)).toEqual(want);
  });

  it('--replace drops an earlier restore even when it was made a template', async () => {
    const into = 'tpl "copy"';
    const first = await pgkeep(['restore', '--logical', '--database', DB, '--into', into], env);
    expect(first.code, first.stderr).toBe(0);
    await c.psql(`alter database ${qi(into)} is_template true`);
    const r = await pgkeep(['restore', '--logical', '--database', DB, '--into', into, '--replace'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(await databaseFacts(into)).toEqual(await databaseFacts(DB));
  });

  it('recreates roles with quotes, newlines and semicolons in their names exactly, and nothing else runs', async () => {
    await c.psql(`drop role canary; drop role ${qi(EVIL)}`);
    const r = await pgkeep(['restore', '--logical', '--database', DB, '--into', 'roles check', '--backup', 'latest', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    expect((await c.psql(`select rolsuper from pg_roles where rolname = 'canary'`)).trim()).toBe('f');
    expect(JSON.parse(r.stdout).createdRoles.sort()).toEqual(['canary', EVIL].sort());
    expect((await c.psql(`select count(*) from pg_roles where rolname = ${lit(EVIL)}`)).trim()).toBe('1');
    expect((await c.psql(`select count(*) from pg_roles where rolsuper`)).trim()).toBe('1');
  });
});
