// Single-database point-in-time restore: the cluster is restored to T in an ephemeral local
// cluster, one database is dumped from it and restored into the live server as <db>_restore.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../../src/config/config.js';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { walKey } from '../../../src/repo/layout.js';
import { singleDatabasePitr } from '../../../src/restore/single-db-pitr.js';
import { microsToIso, parseTargetTime } from '../../../src/restore/target-time.js';
import { PgkeepError } from '../../../src/util/errors.js';
import { archivingSettings, makeServerRepo, serverReadableCli } from '../../helpers/archiving.js';
import { pgkeep } from '../../helpers/cli.js';
import { startCluster } from '../../helpers/pg.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// This file's own temp dir (os.tmpdir() follows TMPDIR): other runs of this suite on the same
// machine leave their ephemeral clusters in the shared one, and those are not this run's leftovers.
const ownTmp = mkdtempSync(path.join(os.tmpdir(), 'pgkeep-pitr-db-test-'));
chmodSync(ownTmp, 0o755); // the server runs as postgres under root and must reach its data dir
const sharedTmp = process.env.TMPDIR;
process.env.TMPDIR = ownTmp;

function leftovers(): string[] {
  const dirs = execFileSync('ls', [ownTmp]).toString().split('\n').filter((d) => d.startsWith('pgkeep-pitr-db-'));
  const procs = execFileSync('ps', ['-eo', 'args']).toString().split('\n').filter((l) => l.includes(path.join(ownTmp, 'pgkeep-pitr-db-')));
  return [...dirs, ...procs];
}

describe('single-database point-in-time restore', () => {
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let env: Record<string, string>;
  const ts: Record<number, string> = {};
  let before: string[] = [];

  beforeAll(async () => {
    before = leftovers();
    repo = await makeServerRepo();
    c = await startCluster({ ...archivingSettings(repo.url), track_commit_timestamp: 'on' });
    const cli = serverReadableCli();
    env = { ...c.env, PGKEEP_REPO: repo.url, PGKEEP_NODE_PATH: cli.node, PGKEEP_CLI_PATH: cli.bundle };
    await c.psql('create database core');
    await c.psql('create database other');
    await c.psql(`create role app_owner nologin`);
    await c.psql(`create role reporting nologin`);
    await c.psql(`create table orders(id int primary key, note text); alter table orders owner to app_owner; insert into orders values (1, 'one'), (2, 'two')`, 'core');
    // The database's own properties, which pg_dump keeps in its DATABASE entries, not the schema.
    for (const sql of [
      'alter database core owner to app_owner',
      `comment on database core is 'orders, as of the backup'`,
      'alter database core connection limit 42',
      `alter database core set statement_timeout = '42s'`,
      `alter role app_owner in database core set work_mem = '3MB'`,
      'revoke connect, temporary on database core from public',
      'grant connect on database core to reporting',
    ])
      await c.psql(sql);
    const b = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], env);
    expect(b.code).toBe(0);
    for (const id of [3, 4, 5, 6]) {
      await c.psql(`insert into orders values (${id}, 'n${id}')`, 'core');
      ts[id] = (await c.psql(`select to_char(pg_xact_commit_timestamp(xmin) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') from orders where id = ${id}`, 'core')).trim();
      await sleep(30);
    }
    // After every target: a comment no restore as of T may bring back.
    await c.psql(`comment on database core is 'changed after the targets'`);
    // The "accident" after the target: rows deleted in the live database.
    await c.psql(`delete from orders where id <= 4`, 'core');
    const seg = (await c.psql('select pg_walfile_name(pg_switch_wal())')).trim();
    const end = Date.now() + 60_000;
    while (!existsSync(path.join(repo.dir, walKey(seg))) && Date.now() < end) await sleep(100);
  });

  /** What pg_database and pg_db_role_setting say about `db`. */
  async function databaseProperties(db: string) {
    const q = (sql: string) => c.psql(sql).then((x) => x.trim());
    const oid = await q(`select oid from pg_database where datname = '${db}'`);
    return {
      owner: await q(`select pg_get_userbyid(datdba) from pg_database where oid = ${oid}`),
      comment: await q(`select shobj_description(${oid}, 'pg_database')`),
      connlimit: await q(`select datconnlimit from pg_database where oid = ${oid}`),
      acl: await q(`select datacl from pg_database where oid = ${oid}`),
      settings: (await q(`select unnest(setconfig) from pg_db_role_setting where setdatabase = ${oid} and setrole = 0`)).split('\n').filter(Boolean),
      roleSettings: (await q(`select unnest(setconfig) from pg_db_role_setting where setdatabase = ${oid} and setrole = 'app_owner'::regrole`)).split('\n').filter(Boolean),
    };
  }

  afterAll(async () => {
    await c?.destroy();
    await fsp.rm(repo.dir, { recursive: true, force: true });
    if (sharedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = sharedTmp;
    await fsp.rm(ownTmp, { recursive: true, force: true });
  });

  it('restores one database as of a time into <db>_restore on the live server and removes the ephemeral cluster', async () => {
    const mid = (parseTargetTime(ts[4]).micros + parseTargetTime(ts[5]).micros) / 2n;
    const r = await singleDatabasePitr(loadConfig(env), { database: 'core', time: microsToIso(mid), replace: false, dryRun: false });
    expect(r.target).toBe('core_restore');
    expect(r.recoveredTo).toBe(ts[4]);
    expect((await c.psql('select id from orders order by id', 'core_restore')).trim().split('\n')).toEqual(['1', '2', '3', '4']);
    // Ownership survives (the role exists on the live server), and the live database is untouched.
    expect((await c.psql(`select tableowner from pg_tables where tablename = 'orders'`, 'core_restore')).trim()).toBe('app_owner');
    expect((await c.psql('select id from orders order by id', 'core')).trim().split('\n')).toEqual(['5', '6']);
    // The database itself as it was at T: owner, comment, connection limit, grants, settings.
    const source = await databaseProperties('core');
    expect(source).toMatchObject({ owner: 'app_owner', connlimit: '42', settings: ['statement_timeout=42s'], roleSettings: ['work_mem=3MB'] });
    expect(source.acl).toContain('reporting=c/app_owner');
    expect(source.acl).not.toMatch(/[{,]=/); // PUBLIC lost CONNECT and TEMPORARY
    expect(await databaseProperties('core_restore')).toEqual({ ...source, comment: 'orders, as of the backup' });
    expect(leftovers()).toEqual(before);
  });

  it('refuses an existing target database unless --replace, before restoring anything', async () => {
    const cfg = loadConfig(env);
    const err = await singleDatabasePitr(cfg, { database: 'core', time: ts[3], replace: false, dryRun: false }).catch((e) => e);
    expect(err).toBeInstanceOf(PgkeepError);
    expect((err as PgkeepError).code).toBe('target-exists');
    expect(leftovers()).toEqual(before);
    const r = await singleDatabasePitr(cfg, { database: 'core', time: ts[3], replace: true, dryRun: false });
    expect(r.recoveredTo).toBe(ts[3]);
    expect((await c.psql('select count(*) from orders', 'core_restore')).trim()).toBe('3');
    expect(leftovers()).toEqual(before);
  });

  it('pgkeep restore --logical --database core --time T (the CLI) restores core as of T', async () => {
    const r = await pgkeep(['restore', '--logical', '--database', 'core', '--time', ts[5], '--into', 'core_at5', '--json'], env);
    expect(r.stderr).not.toMatch(/pgkeep restore:/);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ dryRun: false, target: 'core_at5', database: 'core', recoveredTo: ts[5] });
    expect((await c.psql('select id from orders order by id', 'core_at5')).trim().split('\n')).toEqual(['1', '2', '3', '4', '5']);
    const bad = await pgkeep(['restore', '--logical', '--database', 'core', '--time', 'yesterday'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('"yesterday" is not a valid restore time');
    expect(leftovers()).toEqual(before);
  });

  it('dry run: prints the physical plan and the dump/restore steps, creates nothing', async () => {
    const r = await singleDatabasePitr(loadConfig(env), { database: 'core', time: ts[5], into: 'core_dry', replace: false, dryRun: true });
    expect(r.dryRun).toBe(true);
    expect(r.plan.join('\n')).toMatch(/Backup \S+-full/);
    expect(r.plan.join('\n')).toContain('pg_dump -Fc "core"');
    expect((await c.psql(`select count(*) from pg_database where datname = 'core_dry'`)).trim()).toBe('0');
  });

  it('refuses a database that did not exist at the target, and cleans up', async () => {
    const err = await singleDatabasePitr(loadConfig(env), { database: 'nosuch', time: ts[5], replace: false, dryRun: false }).catch((e) => e);
    expect((err as PgkeepError).code).toBe('unknown-database');
    expect((err as PgkeepError).message).toContain('"nosuch"');
    expect((await c.psql(`select count(*) from pg_database where datname = 'nosuch_restore'`)).trim()).toBe('0');
    expect(leftovers()).toEqual(before);
  });
});
