// backup --type incr on PostgreSQL 15/16 where archive_command = pgkeep wal-push: no replication
// slot unless asked (a forgotten slot fills the primary's disk), archiving proven fresh from the
// repository, failing/stale archiving fails loudly; the opt-in slot, its display and its removal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { toolPath } from '../../../src/postgres/pg-tools.js';
import { manifestKey, walKey } from '../../../src/repo/layout.js';
import { binDir, PG_MAJOR, startCluster } from '../../helpers/pg.js';
import { pgkeep } from '../../helpers/cli.js';
import { archivingSettings, makeServerRepo } from '../../helpers/archiving.js';

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

// On 17+ `incr` is a native incremental backup (BASE_BACKUP INCREMENTAL), which needs no slot either.
describe.skipIf(PG_MAJOR >= 17)('backup --type incr on PostgreSQL 15/16 with archive_command = pgkeep wal-push', () => {
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let env: Record<string, string>;
  let tmp: string;
  const slots = async () => (await c.psql(`select count(*) from pg_replication_slots`)).trim();

  beforeAll(async () => {
    repo = await makeServerRepo();
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-incr-archive-'));
    c = await startCluster(archivingSettings(repo.url));
    env = { ...c.env, PGKEEP_REPO: repo.url };
    await c.psql(`create table t(id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 20000) g`);
  });
  afterAll(async () => {
    await c?.destroy();
    await fsp.rm(repo.dir, { recursive: true, force: true });
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('creates no replication slot, proves every WAL up to the run is stored, and records the window (list unchanged)', async () => {
    const full = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], env);
    expect(full.code, full.stderr).toBe(0);
    await c.psql(`insert into t select g, 'incr' from generate_series(20001, 30000) g`);
    const last = (await c.psql(`select pg_walfile_name(pg_current_wal_lsn())`)).trim();
    const r = await pgkeep(['backup', '--type', 'incr', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.type).toBe('incr');
    expect(out.wal.source).toBe('archive');
    expect(out.wal.archivedThrough >= last).toBe(true);
    expect(out.wal.archiver.lastArchivedTime).toMatch(/Z$/);
    expect(out.wal.warnings).toEqual([]);
    expect(out.window.oldest).toBeTruthy();
    expect(out.window.newest).toBeTruthy();
    // Ground truth: the segment holding the last write before the run is in the repository.
    expect(existsSync(path.join(repo.dir, walKey(last)))).toBe(true);
    expect(await slots()).toBe('0');
    expect(existsSync(path.join(repo.dir, manifestKey(out.id)))).toBe(false);
    const list = JSON.parse((await pgkeep(['list', '--json'], env)).stdout);
    expect(list.map((b: { type: string }) => b.type)).toEqual(['full']);
    const text = await pgkeep(['backup', '--type', 'incr'], env);
    expect(text.stdout).toMatch(/archiving is fresh: every WAL up to .* no replication slot used/);
    expect(text.stdout).toMatch(/Recovery window: \d{4}-/);
  });

  it('fails loudly while archive_command fails, and when it archives somewhere else; still no slot', async () => {
    try {
      await c.psql(`alter system set archive_command = 'exit 1'`);
      await c.psql(`select pg_reload_conf()`);
      await c.psql(`insert into t select g, 'failing' from generate_series(30001, 31000) g`);
      const t0 = Date.now();
      const r = await pgkeep(['backup', '--type', 'incr'], env);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/archive_command is failing, so WAL [0-9A-F]{24} .* is not in .*pg_stat_archiver: .*last failure [0-9A-F]{24} at/);
      expect(r.stderr).toMatch(/Hint: Read the server log/);
      expect(Date.now() - t0).toBeLessThan(60_000);

      // Succeeds without storing anything: the server thinks WAL is archived, the repository disagrees.
      await c.psql(`alter system set archive_command = 'true'`);
      await c.psql(`select pg_reload_conf()`);
      await waitFor('the stuck segment to be "archived"', async () => (await c.psql(`select last_archived_time >= coalesce(last_failed_time, 'epoch') from pg_stat_archiver`)).trim() === 't');
      const s = await pgkeep(['backup', '--type', 'incr'], { ...env, PGKEEP_WAL_WAIT_SECONDS: '4' });
      expect(s.code).toBe(1);
      expect(s.stderr).toMatch(/The server reports WAL [0-9A-F]{24} archived, but it is not in .* after 4 s: archive_command stores WAL somewhere else/);
      expect(await slots()).toBe('0');
    } finally {
      await c.psql(`alter system reset archive_command`);
      await c.psql(`select pg_reload_conf()`);
    }
  });

  it('--wal-source slot (opt-in) creates the slot, pulls, and warns that max_slot_wal_keep_size is unlimited', async () => {
    const r = await pgkeep(['backup', '--type', 'incr', '--wal-source', 'slot', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.wal.source).toBe('slot');
    expect(out.wal.warnings.join(' ')).toMatch(/max_slot_wal_keep_size is -1 \(unlimited\)/);
    expect((await c.psql(`select slot_type from pg_replication_slots where slot_name = 'pgkeep'`)).trim()).toBe('physical');
  });

  it('status shows the WAL the slot retains (pg_wal_lsn_diff from restart_lsn) and that nothing reads it', async () => {
    await c.psql(`insert into t select g, repeat('x', 200) from generate_series(40001, 80000) g`);
    const r = await pgkeep(['status', '--json'], env);
    const truth = Number((await c.psql(`select pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn) from pg_replication_slots where slot_name = 'pgkeep'`)).trim());
    const s = JSON.parse(r.stdout);
    const slot = s.replicationSlots.find((x: { name: string }) => x.name === 'pgkeep');
    expect(slot.active).toBe(false);
    // The insert above wrote several MB the slot now holds back.
    expect(slot.retainedBytes).toBeGreaterThan(4 * 1024 * 1024);
    expect(slot.retainedBytes).toBeLessThanOrEqual(truth);
    expect(s.maxSlotWalKeepSizeBytes).toBe(-1);
    expect(s.notes.join(' ')).toMatch(/not in use and keeps .* pgkeep slot drop/);
    const text = await pgkeep(['status'], env);
    expect(text.stdout).toMatch(/Replication slots \(max_slot_wal_keep_size unlimited\):\n {2}pgkeep \(physical\): retains [\d.]+ MiB of WAL, inactive/);
  });

  it('slot drop refuses while the slot is in use, then drops it; a second drop has nothing to do', async () => {
    const spool = path.join(tmp, 'receive');
    await fsp.mkdir(spool);
    const child = spawn(toolPath(binDir(), 'pg_receivewal'), ['-D', spool, '--slot', 'pgkeep', '--no-loop'], { env: { ...process.env, ...c.env } });
    const exited = new Promise((r) => child.once('close', r));
    try {
      await waitFor('pg_receivewal to use the slot', async () => (await c.psql(`select active from pg_replication_slots where slot_name = 'pgkeep'`)).trim() === 't');
      const busy = await pgkeep(['slot', 'drop'], env);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/Replication slot "pgkeep" is in use by server process \d+, so it was not dropped/);
      expect(await slots()).toBe('1');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    await waitFor('the slot to be released', async () => (await c.psql(`select active from pg_replication_slots where slot_name = 'pgkeep'`)).trim() === 'f');
    const d = await pgkeep(['slot', 'drop'], env);
    expect(d.code, d.stderr).toBe(0);
    expect(d.stdout).toMatch(/Dropped replication slot "pgkeep" \(it retained .* of WAL/);
    expect(await slots()).toBe('0');
    const again = await pgkeep(['slot', 'drop', '--json'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ slot: 'pgkeep', dropped: false });
    const usage = await pgkeep(['slot', 'remove'], env);
    expect(usage.code).toBe(2);
  });
});
