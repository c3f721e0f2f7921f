import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { runTool } from '../../../src/postgres/pg-tools.js';
import { setLogSink } from '../../../src/util/log.js';
import { backupObjectKey, manifestKey, walKey } from '../../../src/repo/layout.js';
import { checkPreflight, type PhysicalPreflight } from '../../../src/backup/physical-backup.js';
import { parseSegmentName, segmentName } from '../../../src/wal/segment.js';
import { binDir, startCluster, tableChecksums, verifyWalArgs } from '../../helpers/pg.js';
import { pgkeep, CLI_BUNDLE, NODE24 } from '../../helpers/cli.js';
import { archivingSettings, extractBase, makeServerRepo, restoreCommand } from '../../helpers/archiving.js';

async function sha256File(p: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(p)) h.update(c as Buffer);
  return h.digest('hex');
}

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('physical full backup (BASE_BACKUP stream, WAL from archive_command)', () => {
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let env: Record<string, string>;
  let restored: LocalCluster | undefined;
  let work: string;
  let firstId = '';

  beforeAll(async () => {
    repo = await makeServerRepo();
    c = await startCluster(archivingSettings(repo.url));
    env = { ...c.env, PGKEEP_REPO: repo.url };
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-phys-'));
    await fsp.chmod(work, 0o755);
    await c.psql('create database core');
    await c.psql(`create table t(id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 20000) g`, 'core');
  });
  afterAll(async () => {
    await restored?.destroy();
    await c?.destroy();
    await fsp.rm(work, { recursive: true, force: true });
    await fsp.rm(repo.dir, { recursive: true, force: true });
  });

  it('stores base.tar.zst and a manifest whose WAL range is fully archived', async () => {
    const r = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    firstId = out.id;
    expect(out.type).toBe('full');
    const m = JSON.parse(await fsp.readFile(path.join(repo.dir, manifestKey(firstId)), 'utf8'));
    expect(m.timeline).toBe(1);
    expect(m.startLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(parseSegmentName(m.stopWal).segno).toBeGreaterThanOrEqual(parseSegmentName(m.startWal).segno);
    expect(m.systemIdentifier).toBe((await c.psql('select system_identifier from pg_control_system()')).trim());
    expect(Date.parse(m.stopTime)).toBeGreaterThanOrEqual(Date.parse(m.startTime));
    const obj = m.objects[0];
    const file = path.join(repo.dir, backupObjectKey(firstId, obj.name));
    expect(obj.name).toBe('base.tar.zst');
    expect(await sha256File(file)).toBe(obj.sha256);
    expect((await fsp.stat(file)).size).toBe(obj.bytes);
    for (let s = parseSegmentName(m.startWal).segno; s <= parseSegmentName(m.stopWal).segno; s++)
      expect(existsSync(path.join(repo.dir, walKey(segmentName(1, s))))).toBe(true);
    const list = JSON.parse((await pgkeep(['list', '--json'], env)).stdout);
    expect(list.map((b: { id: string }) => b.id)).toContain(firstId);
  });

  it(`passes pg_verifybackup, including the WAL fetched back with wal-fetch${verifyWalArgs('').note}`, async () => {
    const m = JSON.parse(await fsp.readFile(path.join(repo.dir, manifestKey(firstId)), 'utf8'));
    const dir = path.join(work, 'verify');
    const wal = path.join(work, 'verify-wal');
    await fsp.mkdir(dir, { recursive: true });
    await fsp.mkdir(wal, { recursive: true });
    extractBase(path.join(repo.dir, backupObjectKey(firstId, 'base.tar.zst')), dir);
    // The server's backup_manifest is its own object; extractBase puts it beside the data.
    expect(existsSync(path.join(dir, 'backup_manifest'))).toBe(true);
    expect(m.objects.map((o: { name: string }) => o.name).sort()).toEqual(['backup_manifest.zst', 'base.tar.zst']);
    expect(existsSync(path.join(dir, 'backup_label'))).toBe(true);
    for (let s = parseSegmentName(m.startWal).segno; s <= parseSegmentName(m.stopWal).segno; s++) {
      const n = segmentName(1, s);
      expect((await pgkeep(['wal-fetch', n, path.join(wal, n)], { PGKEEP_REPO: repo.url, PGKEEP_WAL_PREFETCH: '0' })).code).toBe(0);
    }
    const outp = await runTool(binDir(), 'pg_verifybackup', [...verifyWalArgs(wal).args, dir], { what: 'pg_verifybackup' });
    expect(outp).toMatch(/successfully verified/);
    // And it really checks: a flipped byte in a data file fails it.
    const pgVersion = path.join(dir, 'PG_VERSION');
    await fsp.writeFile(pgVersion, '99\n');
    await expect(runTool(binDir(), 'pg_verifybackup', ['-n', dir], { what: 'pg_verifybackup' })).rejects.toThrow(/checksum|size/);
  });

  it('restores by hand (base + wal-fetch as restore_command) to the same table contents', async () => {
    await c.psql(`insert into t select g, 'after backup ' || g from generate_series(20001, 30000) g; update t set v = 'changed' where id % 7 = 0`, 'core');
    const expected = await tableChecksums(c, 'core');
    const lastSeg = (await c.psql(`select pg_walfile_name(pg_switch_wal())`)).trim();
    await waitFor('the last segment to be archived', async () => (await c.psql(`select coalesce(last_archived_wal, '') from pg_stat_archiver`)).trim() >= lastSeg);
    const base = path.join(work, 'restore');
    const data = path.join(base, 'data');
    await fsp.mkdir(data, { recursive: true });
    await fsp.chmod(base, 0o755);
    extractBase(path.join(repo.dir, backupObjectKey(firstId, 'base.tar.zst')), data);
    await fsp.writeFile(path.join(data, 'recovery.signal'), '');
    restored = await LocalCluster.create({
      binDir: binDir(),
      baseDir: base,
      existingDataDir: data,
      settings: { restore_command: restoreCommand(repo.url), archive_mode: 'off', recovery_target_action: 'promote' },
    });
    await restored.start();
    await waitFor('promotion', async () => (await restored!.psql('select pg_is_in_recovery()')).trim() === 'f', 120_000);
    expect(await tableChecksums(restored, 'core')).toEqual(expected);
    expect(expected['public.t']).toMatch(/^30000:/);
    expect(await restored.serverLog()).toMatch(/restored log file "[0-9A-F]{24}" from archive/);
  });

  it('compresses in the walsender when the server is on this host and has zstd (auto), else on the runner; every mode passes pg_verifybackup', async () => {
    const hasZstd = /--with-zstd\b|zstd=enabled/.test(await c.psql("select setting from pg_config where name = 'CONFIGURE'"));
    const modes: [string | undefined, 'client' | 'server'][] = [[undefined, hasZstd ? 'server' : 'client'], ['client', 'client'], ...(hasZstd ? ([['server', 'server']] as [string, 'server'][]) : [])];
    for (const [setting, expected] of modes) {
      const logged: string[] = [];
      setLogSink((l) => logged.push(l));
      const r = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], { ...env, ...(setting ? { PGKEEP_COMPRESS_AT: setting } : {}) }).finally(() =>
        setLogSink((l) => process.stderr.write(l + '\n')),
      );
      expect(r.code, r.stderr).toBe(0);
      // auto says why it chose; an explicit setting is just obeyed.
      expect(logged.join('\n')).toContain(`zstd level 1 on the ${expected}${setting ? ',' : ` (auto: ${hasZstd ? 'the server is on this host' : 'the server is built without zstd'}),`}`);
      const id = JSON.parse(r.stdout).id as string;
      const m = JSON.parse(await fsp.readFile(path.join(repo.dir, manifestKey(id)), 'utf8'));
      expect(m.extra.compressedOn).toBe(expected);
      // rawBytes is the tar's true size, also when the server compressed it (from its PROGRESS counts).
      const base = m.objects.find((o: { name: string }) => o.name === 'base.tar.zst');
      const tarBytes = Number(execFileSync('sh', ['-c', 'zstd -dc "$1" | wc -c', 'sh', path.join(repo.dir, backupObjectKey(id, 'base.tar.zst'))], { encoding: 'utf8' }).trim());
      expect(base.rawBytes).toBe(tarBytes);
      // Every file of the data directory against the server's own manifest (sizes and checksums).
      const dir = path.join(work, `verify-${setting ?? 'auto'}`);
      await fsp.mkdir(dir, { recursive: true });
      extractBase(path.join(repo.dir, backupObjectKey(id, 'base.tar.zst')), dir);
      expect(await runTool(binDir(), 'pg_verifybackup', ['-n', dir], { what: 'pg_verifybackup' })).toMatch(/successfully verified/);
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });

  it('after kill -9 during a backup: no manifest, not listed, and the next backup works', async () => {
    await c.psql(`create table big(id int, v text); insert into big select g, md5(g::text) || repeat('x', 300) from generate_series(1, 500000) g`, 'core');
    const earlier = await fsp.readdir(path.join(repo.dir, 'backups'));
    const child = spawn(NODE24, [CLI_BUNDLE, 'backup', '--type', 'full', '--checkpoint', 'fast'], { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
    let id = '';
    await waitFor('the backup to start writing', async () => {
      const ids = (await fsp.readdir(path.join(repo.dir, 'backups')).catch(() => [] as string[])).filter((d) => !earlier.includes(d));
      if (!ids.length) return false;
      id = ids[0];
      const files = await fsp.readdir(path.join(repo.dir, 'backups', id)).catch(() => [] as string[]);
      return files.some((f) => f.includes('base.tar.zst'));
    }, 60_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('close', r));
    expect(existsSync(path.join(repo.dir, manifestKey(id)))).toBe(false);
    const list = JSON.parse((await pgkeep(['list', '--json'], env)).stdout);
    expect(list.map((b: { id: string }) => b.id)).not.toContain(id);
    // The server-side backup is aborted when the walsender loses its reader.
    await waitFor('the orphaned walsender to go away', async () => (await c.psql(`select count(*) from pg_stat_replication`)).trim() === '0', 30_000);
    const again = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    const list2 = JSON.parse((await pgkeep(['list', '--json'], env)).stdout);
    expect(list2.map((b: { id: string }) => b.id)).toContain(JSON.parse(again.stdout).id);
  });

  it('when the server ends the backup (walsender terminated mid-stream): a clear error, exit 1, no manifest, no objects', async () => {
    const dirsBefore = await fsp.readdir(path.join(repo.dir, 'backups'));
    // MAX_RATE 1 MB/s keeps the ~170 MB stream open long enough to be cut in the middle.
    const child = spawn(NODE24, [CLI_BUNDLE, 'backup', '--type', 'full', '--checkpoint', 'fast'], { env: { PATH: process.env.PATH, ...env, PGKEEP_MAX_RATE_KB: '1024' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.once('close', r));
    await waitFor('the walsender to stream', async () => (await c.psql(`select count(*) from pg_stat_replication`)).trim() === '1', 30_000);
    await new Promise((r) => setTimeout(r, 500));
    await c.psql(`select pg_terminate_backend(pid) from pg_stat_replication`);
    expect(await exited).toBe(1);
    // An ErrorResponse (57P01) or, had the socket just closed, "did not complete".
    expect(stderr).toMatch(/pgkeep backup: The (server ended the base backup with an error: terminating connection .*57P01|base backup from .* did not complete: ).*Hint: Nothing was kept \(no manifest\)/);
    expect(stderr).not.toMatch(/\n\s+at /);
    // Nothing of the cut backup is left: no new directory (a kill -9 above may have left its own).
    expect(await fsp.readdir(path.join(repo.dir, 'backups'))).toEqual(dirsBefore);
  });
});

describe('physical backup preflight', () => {
  const ok: PhysicalPreflight = {
    walLevel: 'replica', archiveMode: 'on', archiveCommand: 'pgkeep wal-push %p', segSize: 16 << 20,
    tablespaces: [], totalBytes: 0, canReplicate: true, inRecovery: false, timeline: 1,
  };
  it('uses the archive when archive_mode is on, a slot pull when it is off', () => {
    expect(checkPreflight(ok)).toBe('archive');
    expect(checkPreflight({ ...ok, archiveMode: 'off' })).toBe('pull');
  });
  it('refuses wal_level minimal, an empty archive_command and a user without REPLICATION; tablespaces are fine', () => {
    expect(() => checkPreflight({ ...ok, walLevel: 'minimal' })).toThrow(/wal_level = minimal/);
    expect(() => checkPreflight({ ...ok, archiveCommand: '' })).toThrow(/archive_command is empty/);
    expect(checkPreflight({ ...ok, tablespaces: [{ name: 'fast', location: '/ssd/pg' }] })).toBe('archive');
    expect(() => checkPreflight({ ...ok, canReplicate: false })).toThrow(/REPLICATION/);
  });
});
