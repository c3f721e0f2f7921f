import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { setLogSink } from '../../../src/util/log.js';
import { pgkeep } from '../../helpers/cli.js';
import { startCluster, tableChecksums } from '../../helpers/pg.js';
import { seedDatabases } from '../backup/seed-databases.js';

describe('pgkeep swap', () => {
  let c: LocalCluster;
  let repo: string;
  let env: Record<string, string>;
  const databases = async () => (await c.psql(`select string_agg(datname, ',' order by datname) from pg_database where not datistemplate`)).trim().split(',');

  beforeAll(async () => {
    setLogSink(() => undefined);
    c = await startCluster();
    await seedDatabases(c, 200);
    repo = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-repo-'));
    env = { ...c.env, PGKEEP_REPO: `file://${repo}` };
  });
  afterAll(async () => {
    setLogSink((l) => process.stderr.write(l + '\n'));
    await c?.destroy();
    if (repo) await fsp.rm(repo, { recursive: true, force: true });
  });

  it('refuses when <db>_restore does not exist, renaming nothing', async () => {
    const r = await pgkeep(['swap', 'core'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Database "core_restore" does not exist, so there is nothing to swap in for "core".');
    expect(r.stderr).toContain('pgkeep restore --logical --database core');
    expect(await databases()).toEqual(['core', 'grafana', 'keycloak', 'postgres']);
  });

  it('needs no repository: the same refusal without PGKEEP_REPO set', async () => {
    const { PGKEEP_REPO: _unused, ...noRepo } = env;
    const r = await pgkeep(['swap', 'core'], noRepo);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Database "core_restore" does not exist');
    expect(r.stderr).not.toContain('PGKEEP_REPO');
  });

  it('refuses an empty <db>_restore', async () => {
    await c.psql('create database grafana_restore');
    const r = await pgkeep(['swap', 'grafana'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Database "grafana_restore" has no tables; refusing to put it in place of "grafana".');
    expect(await databases()).toContain('grafana');
    expect(await databases()).toContain('grafana_restore');
  });

  it('puts the restored database in place, ending sessions, and the printed command reverses it', async () => {
    expect((await pgkeep(['backup', '--type', 'logical', '--databases', 'core'], env)).code).toBe(0);
    const original = await tableChecksums(c, 'core');
    expect((await pgkeep(['restore', '--logical', '--database', 'core'], env)).code).toBe(0);
    // Tell the two apart: the live database has moved on since the backup.
    await c.psql(`insert into public.varied(id, t) values (-42, 'written after the backup')`, 'core');
    const live = await tableChecksums(c, 'core');
    expect(live).not.toEqual(original);
    // A session on each database, as an application would hold.
    const sessions = await Promise.all(
      ['core', 'core_restore'].map(async (db) => {
        const s = new pg.Client({ host: '127.0.0.1', port: c.port, user: 'postgres', database: db });
        s.on('error', () => undefined);
        await s.connect();
        return s;
      }),
    );
    const r = await pgkeep(['swap', 'core', '--json'], env);
    for (const s of sessions) await expect(s.query('select 1')).rejects.toThrow(/terminat|connection error/);
    await Promise.all(sessions.map((s) => s.end().catch(() => undefined)));
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.previous).toMatch(/^core_before_\d{8}T\d{6}Z$/);
    expect(res.reverseCommand).toBe(`pgkeep swap core --from ${res.previous}`);
    expect(await databases()).not.toContain('core_restore');
    expect(await tableChecksums(c, 'core')).toEqual(original);
    expect(await tableChecksums(c, res.previous)).toEqual(live);

    await new Promise((r) => setTimeout(r, 1100)); // the next _before_ name is a second later
    const back = await pgkeep(res.reverseCommand.split(' ').slice(1), env);
    expect(back.code, back.stderr).toBe(0);
    expect(await tableChecksums(c, 'core')).toEqual(live);
    expect(await databases()).not.toContain(res.previous);
  });

  it('--dry-run shows the plan and renames nothing', async () => {
    await c.psql('create database keycloak_restore template keycloak');
    const r = await pgkeep(['swap', 'keycloak', '--dry-run'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('rename "keycloak_restore" → "keycloak"');
    expect(await databases()).toEqual(expect.arrayContaining(['keycloak', 'keycloak_restore']));
    expect((await databases()).some((d) => d.startsWith('keycloak_before_'))).toBe(false);
  });
});
