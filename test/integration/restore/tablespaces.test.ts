// Tablespaces outside the data directory: backed up as their own objects, restored where
// --tablespace-map says (or refused when the original place is taken), checked by
// pg_verifybackup, and the restored cluster holds exactly the rows of the source.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fsp, readlinkSync } from 'node:fs';
import path from 'node:path';
import { LocalCluster, freePort, serverRunAs } from '../../../src/postgres/local-cluster.js';
import { withClient } from '../../../src/postgres/client.js';
import { startArchivingCluster, type ArchivingCluster } from '../../helpers/archiving-cluster.js';
import { pgkeep } from '../../helpers/cli.js';

describe('tablespaces (physical backup and restore)', () => {
  let setup: ArchivingCluster;
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let env: Record<string, string>;
  let work: string;
  let tsDir: string;
  let oid = 0;
  let backupId = '';
  let expected = '';
  let running: string[];

  const sum = `select count(*)::text || ':' || md5(string_agg(id::text || v, ',' order by id)) from t`;

  beforeAll(async () => {
    setup = await startArchivingCluster({ workPrefix: 'pgkeep-tblspc-', env: { PGKEEP_RESTORE_ARCHIVE_MODE: 'off' } });
    ({ cluster: c, repo, env, work, running } = setup);
    tsDir = path.join(work, 'fast');
    await fsp.mkdir(tsDir, { mode: 0o700 });
    const runAs = serverRunAs();
    if (runAs) await fsp.chown(tsDir, runAs.uid, runAs.gid);
    await c.psql(`create tablespace fast location '${tsDir}'`);
    oid = Number((await c.psql(`select oid from pg_tablespace where spcname = 'fast'`)).trim());
    await c.psql(`create table t(id int primary key using index tablespace fast, v text) tablespace fast`);
    await c.psql(`insert into t select g, repeat('x', 200) || g from generate_series(1, 20000) g`);
    const b = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], env);
    expect(b.stderr).not.toMatch(/pgkeep backup:/);
    backupId = JSON.parse(b.stdout).id;
    // Written after the backup, into the tablespace: only WAL replay brings these back.
    await c.psql(`insert into t select g, 'after ' || g from generate_series(20001, 25000) g; update t set v = 'changed' where id % 9 = 0`);
    expected = (await c.psql(sum)).trim();
    await setup.switchAndWait();
  });

  afterAll(async () => {
    await setup?.destroy();
  });

  it('stores the tablespace as its own object with its OID and location', async () => {
    const m = JSON.parse(await fsp.readFile(path.join(repo.dir, 'backups', backupId, 'manifest.json'), 'utf8'));
    const ts = m.objects.filter((o: { kind: string }) => o.kind === 'tablespace');
    expect(ts).toHaveLength(1);
    expect(ts[0]).toMatchObject({ name: `tblspc-${oid}.tar.zst`, tablespaceOid: oid, tablespaceLocation: tsDir });
    // The table's 20000 rows of ~200 bytes live there, not in the base.
    expect(ts[0].rawBytes).toBeGreaterThan(4_000_000);
  });

  it('refuses to restore into the original, occupied tablespace directory, writing nothing', async () => {
    const dir = path.join(work, 'refused');
    const before = await fsp.readdir(tsDir);
    const r = await pgkeep(['restore', '--latest', '--to', dir], env);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`Tablespace ${oid} .*would be restored into ${tsDir}, which is not empty`));
    expect(r.stderr).toMatch(/--tablespace-map/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(existsSync(dir) ? await fsp.readdir(dir) : []).toEqual([]);
    expect(await fsp.readdir(tsDir)).toEqual(before);
  });

  it('rejects a malformed --tablespace-map with a clear error', async () => {
    const r = await pgkeep(['restore', '--latest', '--to', path.join(work, 'bad'), '--tablespace-map', 'relative=also-relative'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--tablespace-map="relative=also-relative" is not valid/);
  });

  it('refuses a tablespace target it cannot create with a clear error, and leaves nothing behind', { timeout: 60_000 }, async () => {
    const dir = path.join(work, 'unwritable');
    // /proc: mkdir answers ENOENT there, which made Node's recursive mkdir spin forever.
    const r = await pgkeep(['restore', '--latest', '--to', dir, '--tablespace-map', `${tsDir}=/proc/pgkeep-no/fast`], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pgkeep restore: Cannot create \/proc\/pgkeep-no\/fast for tablespace \d+: .*Hint: Map it to a writable place/);
    expect(existsSync(dir) ? await fsp.readdir(dir) : []).toEqual([]);
  });

  it('shows in the dry run where each tablespace goes', async () => {
    const to = path.join(work, 'mapped-dry');
    const r = await pgkeep(['restore', '--latest', '--to', path.join(work, 'dry'), '--tablespace-map', `${tsDir}=${to}`, '--dry-run'], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Tablespace ${oid}: ${tsDir} → ${to}`);
    expect(existsSync(to)).toBe(false);
  });

  it('restores with --tablespace-map and replays into the moved tablespace: same rows as the source', async () => {
    const dir = path.join(work, 'restored');
    const to = path.join(work, 'restored-fast');
    const port = await freePort();
    running.push(dir);
    const r = await pgkeep(['restore', '--latest', '--to', dir, '--tablespace-map', `${tsDir}=${to}`, '--start', '--port', String(port), '--json'], env);
    expect(r.stderr.split('\n').filter((l) => /^pgkeep restore:/.test(l))).toEqual([]);
    expect(r.code).toBe(0);
    expect(readlinkSync(path.join(dir, 'pg_tblspc', String(oid)))).toBe(to);
    const got = await withClient({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, 'postgres', async (cl) => {
      const loc = (await cl.query<{ l: string }>(`select pg_tablespace_location(oid) as l from pg_tablespace where spcname = 'fast'`)).rows[0].l;
      const s = (await cl.query<Record<string, string>>(sum)).rows[0];
      return { loc, s: Object.values(s)[0] };
    });
    expect(got.loc).toBe(to);
    expect(got.s).toBe(expected);
    expect(expected).toMatch(/^25000:/);
  });

  it('pgkeep verify passes, and its pg_verifybackup reads the tablespace: a file changed inside a re-hashed tablespace object fails it', async () => {
    const ok = await pgkeep(['verify', '--json'], env);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, problems: [], checked: { backups: 1, objects: 3 } });
    expect(ok.code).toBe(0);
    // Damage checksums cannot see (object re-hashed in the manifest): only pg_verifybackup finds it.
    const mPath = path.join(repo.dir, 'backups', backupId, 'manifest.json');
    const m = JSON.parse(await fsp.readFile(mPath, 'utf8'));
    const obj = m.objects.find((o: { kind: string }) => o.kind === 'tablespace');
    const file = path.join(repo.dir, 'backups', backupId, obj.name);
    const x = path.join(work, 'x');
    await fsp.mkdir(x);
    execFileSync('sh', ['-c', `zstd -dc '${file}' | tar -x -C '${x}'`]);
    const rel = execFileSync('sh', ['-c', `cd '${x}' && find . -type f -size +100k | head -1`]).toString().trim();
    expect(rel).not.toBe('');
    await fsp.truncate(path.join(x, rel), 8192);
    execFileSync('sh', ['-c', `cd '${x}' && tar -c . | zstd -q -c > '${file}'`]);
    const data = await fsp.readFile(file);
    obj.bytes = data.length;
    obj.sha256 = createHash('sha256').update(data).digest('hex');
    await fsp.writeFile(mPath, JSON.stringify(m));
    const bad = await pgkeep(['verify', '--json'], env);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout).problems.map((p: { message: string }) => p.message).join(' ')).toMatch(new RegExp(`pg_verifybackup.*pg_tblspc/${oid}/.*size`));
  });
});
