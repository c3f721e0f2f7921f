// `pgkeep restore --logical --databases a,b,c`: several databases of one logical backup in one run.
// Every refusal (usage, a missing database, a target that exists, a corrupt dump) comes for all of
// them together, before any database is created; a role missing from the server is created once
// for all; a database whose pg_restore fails is dropped and named while the others stay.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { setLogSink } from '../../../src/util/log.js';
import { pgkeep } from '../../helpers/cli.js';
import { startCluster, tableChecksums } from '../../helpers/pg.js';
import { seedDatabases } from '../backup/seed-databases.js';

const DBS = ['core', 'keycloak', 'grafana'];

describe('logical restore of several databases in one run (--databases)', () => {
  let c: LocalCluster;
  let repo: string;
  let env: Record<string, string>;
  let before: Record<string, Record<string, string>>;
  let backupId: string;
  const output: string[] = [];

  const run = async (args: string[], e: Record<string, string> = env) => {
    const r = await pgkeep(args, e);
    output.push(r.stdout, r.stderr);
    return r;
  };
  const restoreTargets = async () =>
    (await c.psql(`select coalesce(string_agg(datname, ',' order by datname), '') from pg_database where datname like '%\\_restore'`)).trim();

  beforeAll(async () => {
    setLogSink((l) => output.push(l));
    // In-place tablespaces (PostgreSQL 15+, also in 14.5+): one that the restoring server no longer has.
    c = await startCluster({ allow_in_place_tablespaces: 'on' });
    await seedDatabases(c);
    // A role that owns tables in two of the databases, dropped after the backup: created once, for both.
    await c.psql('create role grafana_owner nologin');
    await c.psql('alter table dashboard owner to grafana_owner', 'grafana');
    await c.psql('alter table sessions owner to grafana_owner', 'keycloak');
    // broken: its table sits in a tablespace that is gone by restore time, so its pg_restore stops
    // at SET default_tablespace (the server refuses an unknown one). Larger than grafana.
    await c.psql(`create tablespace gone location ''`);
    await c.psql('create database broken');
    await c.psql(`create table t(id int primary key, pad text) tablespace gone; insert into t select g, repeat('x', 300) from generate_series(1, 20000) g`, 'broken');
    before = {};
    for (const db of DBS) before[db] = await tableChecksums(c, db);
    repo = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-repo-'));
    env = { ...c.env, PGKEEP_REPO: `file://${repo}` };
    const b = await run(['backup', '--type', 'logical', '--json']);
    expect(b.code, b.stderr).toBe(0);
    backupId = JSON.parse(b.stdout).id;
    for (const db of ['keycloak', 'grafana']) await c.psql('reassign owned by grafana_owner to postgres', db);
    await c.psql('drop role grafana_owner');
    await c.psql('alter table t set tablespace pg_default', 'broken');
    await c.psql('drop tablespace gone');
  });
  afterAll(async () => {
    setLogSink((l) => process.stderr.write(l + '\n'));
    await c?.destroy();
    if (repo) await fsp.rm(repo, { recursive: true, force: true });
  });

  it('bad usage is one paragraph and exit 2, before anything is read', async () => {
    for (const [args, msg] of [
      [['--databases', 'core,keycloak', '--into', 'x'], /--into does not apply to --databases: each database is restored from the logical backup into <name>_restore\. Hint: .*--database X --into NAME/],
      [['--databases', 'core', '--time', '2025-11-08T14:30:00Z'], /--time does not apply to --databases/],
      [['--databases', 'core', '--database', 'keycloak'], /--database and --databases do not go together/],
      [['--databases', ' , '], /--databases is empty/],
      [['--databases', 'core,core_restore'], /Refusing to restore "core" into "core_restore": "core_restore" is also one of the databases being restored/],
    ] as const) {
      const r = await run(['restore', '--logical', ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(await restoreTargets()).toBe('');
  });

  it('--dry-run lists every database with its target, largest dump first, and creates nothing', async () => {
    const r = await run(['restore', '--logical', '--databases', 'grafana,keycloak,core', '--dry-run', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res).toMatchObject({ dryRun: true, backupId });
    expect(res.databases).toEqual([
      { database: 'core', target: 'core_restore', replaced: false },
      { database: 'keycloak', target: 'keycloak_restore', replaced: false },
      { database: 'grafana', target: 'grafana_restore', replaced: false },
    ]);
    expect(res.plan.join('\n')).toMatch(/verify size and SHA-256 of every dump \(core\.dump\.zst, keycloak\.dump\.zst, grafana\.dump\.zst\) before touching the server/);
    expect(res.plan.join('\n')).toContain('create missing role(s) from globals.sql.zst: grafana_owner');
    const text = await run(['restore', '--logical', '--databases', 'grafana,keycloak,core', '--dry-run']);
    expect(text.stdout).toContain('Dry run: nothing was written');
    for (const db of DBS) expect(text.stdout).toContain(`  ${db} → ${db}_restore`);
    expect(await restoreTargets()).toBe('');
    expect((await c.psql(`select count(*) from pg_roles where rolname = 'grafana_owner'`)).trim()).toBe('0');
  });

  it('names the databases the backup lacks and creates nothing', async () => {
    const r = await run(['restore', '--logical', '--databases', 'core,billing,keycloak']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No logical backup contains all of "core", "billing", "keycloak"\. Hint: The newest logical backup \S+ has: broken, core, grafana, keycloak, postgres\. It lacks "billing"/);
    const byId = await run(['restore', '--logical', '--databases', 'core,billing', '--backup', backupId]);
    expect(byId.stderr).toMatch(/does not contain database "billing"\. Hint: It has: broken, core/);
    expect(await restoreTargets()).toBe('');
  });

  it('one target that exists refuses the whole run: nothing is created, no role either', async () => {
    await c.psql('create database keycloak_restore');
    try {
      const r = await run(['restore', '--logical', '--databases', 'core,keycloak,grafana']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/Database "keycloak_restore" already exists; a restore never overwrites, so none of "core", "keycloak", "grafana" was restored\. Hint: .*--replace/);
      expect(await restoreTargets()).toBe('keycloak_restore');
      expect((await c.psql(`select count(*) from pg_roles where rolname = 'grafana_owner'`)).trim()).toBe('0');
    } finally {
      await c.psql('drop database keycloak_restore');
    }
  });

  it('a corrupt dump of the database restored last refuses the run before the first database is created', async () => {
    const file = path.join(repo, 'backups', backupId, 'grafana.dump.zst');
    const good = await fsp.readFile(file);
    const bad = Buffer.from(good);
    bad[Math.floor(bad.length / 2)] ^= 0x01;
    await fsp.writeFile(file, bad);
    try {
      const r = await run(['restore', '--logical', '--databases', 'core,keycloak,grafana']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/grafana\.dump\.zst is corrupt: expected \d+ bytes with SHA-256/);
      expect(await restoreTargets()).toBe('');
      expect((await c.psql(`select count(*) from pg_roles where rolname = 'grafana_owner'`)).trim()).toBe('0');
    } finally {
      await fsp.writeFile(file, good);
    }
  });

  it('restores all three in one run with the source tables, creating the missing role once', async () => {
    const r = await run(['restore', '--logical', '--databases', 'keycloak,grafana,core', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.backupId).toBe(backupId);
    expect(res.createdRoles).toEqual(['grafana_owner']);
    expect(res.databases.map((d: { database: string; target: string }) => `${d.database}→${d.target}`)).toEqual(['core→core_restore', 'keycloak→keycloak_restore', 'grafana→grafana_restore']);
    for (const d of res.databases) expect(d.durationSeconds).toBeGreaterThan(0);
    for (const db of DBS) expect(await tableChecksums(c, `${db}_restore`), db).toEqual(before[db]);
    expect((await c.psql(`select tableowner from pg_tables where tablename = 'dashboard'`, 'grafana_restore')).trim()).toBe('grafana_owner');
    expect((await c.psql(`select tableowner from pg_tables where tablename = 'sessions'`, 'keycloak_restore')).trim()).toBe('grafana_owner');
    expect((await c.psql(`select tableowner from pg_tables where tablename = 'accounts'`, 'core_restore')).trim()).toBe('app_owner');
    // PGKEEP_PARALLEL's default: two restores at a time.
    expect(output.join('\n')).toContain('restore 2 at a time (PGKEEP_PARALLEL), largest dump first');
  });

  it('a database whose pg_restore fails is dropped and named; the one restored beside it stays', async () => {
    const kcBefore = await c.psql(`select oid from pg_database where datname = 'keycloak_restore'`);
    const r = await run(['restore', '--logical', '--databases', 'keycloak,broken', '--replace']);
    expect(r.code).toBe(1);
    const err = r.stderr.trim();
    expect(err.split('\n')).toHaveLength(1);
    expect(err).toMatch(/Restoring from backup \S+ failed for "broken" \(into "broken_restore": pg_restore.*"gone"/);
    expect(err).toContain('Restored: "keycloak" into "keycloak_restore".');
    expect(err).toContain('--databases broken');
    expect(await restoreTargets()).toBe('core_restore,grafana_restore,keycloak_restore');
    // Replaced (a new database) and complete.
    expect(await c.psql(`select oid from pg_database where datname = 'keycloak_restore'`)).not.toBe(kcBefore);
    expect(await tableChecksums(c, 'keycloak_restore')).toEqual(before.keycloak);
  });

  it('after a failure no further restore starts (PGKEEP_PARALLEL=1): the rest is named, untouched', async () => {
    const grafanaOid = await c.psql(`select oid from pg_database where datname = 'grafana_restore'`);
    const r = await run(['restore', '--logical', '--databases', 'grafana,broken', '--replace'], { ...env, PGKEEP_PARALLEL: '1' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/failed for "broken" .*Restored: none; not started after the failure: "grafana"\. Hint: .*--databases broken,grafana/);
    expect(await c.psql(`select oid from pg_database where datname = 'grafana_restore'`)).toBe(grafanaOid);
    expect(await tableChecksums(c, 'grafana_restore')).toEqual(before.grafana);
    expect(await restoreTargets()).toBe('core_restore,grafana_restore,keycloak_restore');
  });
});
