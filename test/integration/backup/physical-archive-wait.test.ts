// A full backup's WAL wait is bounded and says why when archive_command fails. BASE_BACKUP used
// to end with WAIT true: the server waited for archiving without bound, so a failing
// archive_command hung the scheduled job until the runner killed it. Now pgkeep waits for the
// WAL in the repository (PGKEEP_WAL_WAIT_SECONDS) and watches pg_stat_archiver meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { BACKUPS_PREFIX, LOCKS_PREFIX, manifestKey, walKey } from '../../../src/repo/layout.js';
import { parseSegmentName, segmentName } from '../../../src/wal/segment.js';
import { startCluster } from '../../helpers/pg.js';
import { pgkeep } from '../../helpers/cli.js';
import { archivingSettings, makeServerRepo } from '../../helpers/archiving.js';

const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;

describe('full backup: the wait for its WAL is bounded and names pg_stat_archiver', () => {
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let env: Record<string, string>;
  let pushCommand = '';

  const setArchiveCommand = async (cmd: string) => {
    await c.psql(`alter system set archive_command = ${sqlText(cmd)}`);
    await c.psql('select pg_reload_conf()');
  };
  const failedCount = async () => Number((await c.psql('select failed_count from pg_stat_archiver')).trim());
  /** Backup directories in the repository (a failed backup leaves none behind). */
  const backupDirs = async () => (existsSync(path.join(repo.dir, BACKUPS_PREFIX)) ? await fsp.readdir(path.join(repo.dir, BACKUPS_PREFIX)) : []);
  const locks = async () => (existsSync(path.join(repo.dir, LOCKS_PREFIX)) ? await fsp.readdir(path.join(repo.dir, LOCKS_PREFIX)) : []);

  beforeAll(async () => {
    repo = await makeServerRepo();
    const settings = archivingSettings(repo.url);
    pushCommand = String(settings.archive_command);
    c = await startCluster(settings);
    env = { ...c.env, PGKEEP_REPO: repo.url };
    await c.psql(`create table t(id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 5000) g`);
  });
  afterAll(async () => {
    await c?.destroy();
    await fsp.rm(repo.dir, { recursive: true, force: true });
  });

  it('fails after PGKEEP_WAL_WAIT_SECONDS when archive_command fails, with pg_stat_archiver in the message and no manifest', async () => {
    await setArchiveCommand('false');
    const t0 = Date.now();
    const r = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast'], { ...env, PGKEEP_WAL_WAIT_SECONDS: '2' });
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/WAL [0-9A-F]{24}.* needed by the backup \(through [0-9A-F]{24}\) did not reach .* within 2 s, so the backup was abandoned without a manifest; archive_command is failing/);
    expect(r.stderr).toMatch(/pg_stat_archiver: .*last failure [0-9A-F]{24}\S* at \d{4}-\d\d-\d\dT\S+ \(\d+ failures in all\)/);
    expect(r.stderr).toMatch(/Hint: Read the server log for the archive_command error/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(seconds).toBeLessThan(40);
    expect(await backupDirs()).toEqual([]);
    expect(await locks()).toEqual([]);
    expect(JSON.parse((await pgkeep(['list', '--json'], env)).stdout)).toEqual([]);
  }, 60_000);

  it('fails early, before a long PGKEEP_WAL_WAIT_SECONDS, once archive_command keeps failing', async () => {
    const before = await failedCount();
    const t0 = Date.now();
    const r = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast'], { ...env, PGKEEP_WAL_WAIT_SECONDS: '600' });
    const seconds = (Date.now() - t0) / 1000;
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/archive_command is failing, so WAL [0-9A-F]{24}.* that the backup needs \(through [0-9A-F]{24}\) is not in .* without a manifest/);
    expect(r.stderr).toMatch(/last failure [0-9A-F]{24}\S* at \S+ \(\d+ failures in all\)/);
    expect(r.stderr).toMatch(/server log/);
    expect(await failedCount()).toBeGreaterThan(before);
    expect(seconds).toBeLessThan(60);
    expect(await backupDirs()).toEqual([]);
    expect(await locks()).toEqual([]);
  }, 90_000);

  it('completes when archiving recovers while the backup waits for its WAL', async () => {
    await setArchiveCommand('false');
    const before = await failedCount();
    const run = pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], { ...env, PGKEEP_WAL_WAIT_SECONDS: '120' });
    // The backup is waiting once its objects are stored and the archiver has failed since it began.
    const end = Date.now() + 60_000;
    for (;;) {
      const dirs = await backupDirs();
      const stored = dirs.length === 1 && existsSync(path.join(repo.dir, BACKUPS_PREFIX, dirs[0], 'backup_manifest.zst'));
      if (stored && (await failedCount()) > before) break;
      if (Date.now() > end) throw new Error('the backup never reached its WAL wait');
      await new Promise((res) => setTimeout(res, 100));
    }
    await setArchiveCommand(pushCommand);
    const r = await run;
    expect(r.code, r.stderr).toBe(0);
    const id = JSON.parse(r.stdout).id as string;
    const m = JSON.parse(await fsp.readFile(path.join(repo.dir, manifestKey(id)), 'utf8'));
    for (let s = parseSegmentName(m.startWal).segno; s <= parseSegmentName(m.stopWal).segno; s++)
      expect(existsSync(path.join(repo.dir, walKey(segmentName(1, s)))), segmentName(1, s)).toBe(true);
    expect(JSON.parse((await pgkeep(['list', '--json'], env)).stdout).map((b: { id: string }) => b.id)).toEqual([id]);
  }, 120_000);
});
