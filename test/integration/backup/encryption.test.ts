// Client-side encryption with age against a real PostgreSQL 15 that archives through the CLI
// bundle with PGKEEP_AGE_RECIPIENTS set. Ground truth: a marker string inserted in a table
// appears in no stored object, raw or zstd-decompressed; restores with the identity bring back
// exactly the rows committed; without it (or with another) nothing is written; verify checks
// checksums without the key; the by-hand recipe works with the standard age CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { LocalCluster, freePort } from '../../../src/postgres/local-cluster.js';
import { withClient } from '../../../src/postgres/client.js';
import { walKeyEncrypted } from '../../../src/repo/layout.js';
import { cliCommand, makeServerRepo, serverReadableCli, switchWalAndWait } from '../../helpers/archiving.js';
import { pgkeep } from '../../helpers/cli.js';
import { binDir, startCluster, stopDataDir as stopDir } from '../../helpers/pg.js';

const MARKER = 'PGKEEP-SECRET-MARKER-4b1d9e';

async function allFiles(dir: string): Promise<string[]> {
  return (await fsp.readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name));
}

describe('client-side encryption (age)', () => {
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let work: string;
  let identity: string;
  let recipient: string;
  let env: Record<string, string>;
  let fullId = '';
  let logicalId = '';
  const running: string[] = [];

  beforeAll(async () => {
    identity = await generateIdentity();
    recipient = await identityToRecipient(identity);
    repo = await makeServerRepo();
    // archive_command carries only the public key (the server never holds the identity).
    c = await startCluster({ wal_level: 'replica', archive_mode: 'on', archive_command: `PGKEEP_AGE_RECIPIENTS=${recipient} ${cliCommand(`wal-push --repo '${repo.url}' %p`)}` });
    const cli = serverReadableCli();
    env = { ...c.env, PGKEEP_REPO: repo.url, PGKEEP_NODE_PATH: cli.node, PGKEEP_CLI_PATH: cli.bundle, PGKEEP_AGE_RECIPIENTS: recipient };
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-age-'));
    await fsp.chmod(work, 0o755);
    await c.psql(`create database core`);
    await c.psql(`create table s(id int primary key, v text); insert into s select g, '${MARKER}' || g from generate_series(1, 200) g`, 'core');
    await c.psql(`create role marker_role_${'x'} login`);
    const b = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], env);
    expect(b.stderr).not.toMatch(/pgkeep backup:/);
    fullId = JSON.parse(b.stdout).id;
    const l = await pgkeep(['backup', '--type', 'logical', '--databases', 'core', '--json'], env);
    expect(l.stderr).not.toMatch(/pgkeep backup:/);
    logicalId = JSON.parse(l.stdout).id;
    // Rows only WAL replay brings back.
    await c.psql(`insert into s select g, '${MARKER}' || g from generate_series(201, 250) g`, 'core');
    await switchWalAndWait(c, repo.dir, walKeyEncrypted);
  });

  afterAll(async () => {
    for (const d of running) await stopDir(d);
    await c?.destroy();
    for (const d of [work, repo?.dir]) if (d) await fsp.rm(d, { recursive: true, force: true });
  });

  it('stores every object encrypted (.age), with the recipients in manifest.json: the marker is in no object, raw or decompressed', async () => {
    const files = await allFiles(repo.dir);
    const wal = files.filter((f) => f.includes(`${path.sep}wal${path.sep}`));
    expect(wal.length).toBeGreaterThan(0);
    for (const f of wal) expect(f).toMatch(/\.zst\.age$/);
    for (const id of [fullId, logicalId]) {
      const m = JSON.parse(await fsp.readFile(path.join(repo.dir, 'backups', id, 'manifest.json'), 'utf8'));
      expect(m.encryption).toEqual({ method: 'age', recipients: [recipient] });
      for (const o of m.objects) {
        expect(o.name).toMatch(/\.age$/);
        expect(o.encryption).toBe('age');
      }
    }
    expect((await fsp.readdir(path.join(repo.dir, 'backups', fullId))).sort()).toEqual(['backup_manifest.zst.age', 'base.tar.zst.age', 'manifest.json']);
    expect((await fsp.readdir(path.join(repo.dir, 'backups', logicalId))).sort()).toEqual(['core.dump.zst.age', 'globals.sql.zst.age', 'manifest.json']);
    let decompressed = 0;
    for (const f of files) {
      const raw = await fsp.readFile(f);
      expect(raw.includes(MARKER), f).toBe(false);
      expect(raw.includes('marker_role_x'), f).toBe(false);
      expect(raw.includes(identity), f).toBe(false);
      const z = spawnSync('zstd', ['-dc', f], { maxBuffer: 1 << 30 });
      if (z.status === 0) {
        decompressed++;
        expect(z.stdout.includes(MARKER), f).toBe(false);
      }
    }
    // Nothing stored is a zstd stream any more (manifest.json and pgkeep.json are JSON).
    expect(decompressed).toBe(0);
  });

  it('verify checks every checksum without the key', async () => {
    const { PGKEEP_AGE_RECIPIENTS: _r, ...noKeys } = env;
    const v = await pgkeep(['verify', '--json'], noKeys);
    expect(v.stderr).not.toMatch(/pgkeep verify:/);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout).ok).toBe(true);
    // And with the identity, the content checks too (pg_restore --list, pg_verifybackup).
    const w = await pgkeep(['verify', '--json'], { ...env, PGKEEP_AGE_IDENTITY: identity });
    expect(w.code).toBe(0);
    expect(JSON.parse(w.stdout).ok).toBe(true);
  });

  it('refuses a physical and a logical restore without the identity or with another one, naming PGKEEP_AGE_IDENTITY, and writes nothing', async () => {
    const other = await generateIdentity();
    for (const [label, e] of [
      ['missing', env],
      ['wrong', { ...env, PGKEEP_AGE_IDENTITY: other }],
    ] as const) {
      const dir = path.join(work, `refused-${label}`);
      const r = await pgkeep(['restore', '--latest', '--to', dir], e);
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(/PGKEEP_AGE_IDENTITY/);
      expect(r.stderr).not.toContain(other);
      expect(existsSync(dir)).toBe(false);
      const lr = await pgkeep(['restore', '--logical', '--database', 'core', '--into', `core_refused_${label}`], e);
      expect(lr.code).not.toBe(0);
      expect(lr.stderr).toMatch(/PGKEEP_AGE_IDENTITY/);
      expect((await c.psql(`select count(*) from pg_database where datname = 'core_refused_${label}'`)).trim()).toBe('0');
    }
  });

  it('restores physically (--latest --start, WAL fetched encrypted) and logically with the identity', async () => {
    const withKey = { ...env, PGKEEP_AGE_IDENTITY: identity };
    const dir = path.join(work, 'latest');
    const port = await freePort();
    running.push(dir);
    const r = await pgkeep(['restore', '--latest', '--to', dir, '--start', '--port', String(port), '--json'], withKey);
    expect(r.stderr.split('\n').filter((l) => /^pgkeep restore:/.test(l))).toEqual([]);
    expect(r.code).toBe(0);
    // The identity reached restore_command through the server's environment, never the file.
    expect(await fsp.readFile(path.join(dir, 'postgresql.auto.conf'), 'utf8')).not.toContain('AGE-SECRET-KEY');
    const n = await withClient({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, 'core', async (cl) => (await cl.query<{ n: string }>(`select count(*)::text n from s where v like '${MARKER}%'`)).rows[0].n);
    expect(n).toBe('250');
    await stopDir(dir);

    const lr = await pgkeep(['restore', '--logical', '--database', 'core', '--backup', logicalId], withKey);
    expect(lr.stderr).not.toMatch(/pgkeep restore:/);
    expect(lr.code).toBe(0);
    expect((await c.psql(`select count(*) from s`, 'core_restore')).trim()).toBe('200');
  });

  it('the by-hand recipe works with the standard age CLI: age -d | zstd -dc | pg_restore', async () => {
    const key = path.join(work, 'key.txt');
    await fsp.writeFile(key, `${identity}\n`, { mode: 0o600 });
    const dump = path.join(repo.dir, 'backups', logicalId, 'core.dump.zst.age');
    await c.psql('create database core_by_hand');
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const r = spawnSync('bash', ['-c', `set -o pipefail; age -d -i ${q(key)} ${q(dump)} | zstd -dc | ${q(path.join(binDir(), 'pg_restore'))} --no-owner -d core_by_hand`], {
      env: { ...process.env, ...c.env },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect((await c.psql(`select count(*) from s where v like '${MARKER}%'`, 'core_by_hand')).trim()).toBe('200');
  });
});
