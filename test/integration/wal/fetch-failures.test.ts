// A damaged or unreadable archived WAL segment in the middle of the planned range must stop the
// restore loudly, never end recovery early and promote with part of the data. Ground truth:
// six batches of 1,000 rows, each followed by a WAL switch; one segment in the middle is
// damaged. Before the exit-code fix, `wal-fetch` exited 1 on every error, PostgreSQL read that
// as "not in the archive", promoted, and `restore --latest --start` reported success with
// 3,000 of 6,000 rows. The assertions here look at the server itself (FATAL in its log,
// recovery.signal still there, no new timeline), not at any post-promotion check.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, promises as fsp } from 'node:fs';
import path from 'node:path';
import { LocalCluster, freePort } from '../../../src/postgres/local-cluster.js';
import { withClient } from '../../../src/postgres/client.js';
import { walKey } from '../../../src/repo/layout.js';
import { startArchivingCluster, type ArchivingCluster } from '../../helpers/archiving-cluster.js';
import { pgkeep } from '../../helpers/cli.js';
import { setLogSink } from '../../../src/util/log.js';
import { stopDataDir as stopDir } from '../../helpers/pg.js';

describe('restore --latest --start with a bad archived segment in the middle', () => {
  let setup: ArchivingCluster;
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let env: Record<string, string>;
  let work: string;
  let running: string[];
  /** The segment each batch was switched out of (batch i's rows end in segs[i]). */
  const segs: string[] = [];

  /** Rows of a restored cluster still listening on `port`, or null when none is. */
  async function rowsOn(port: number): Promise<number | null> {
    try {
      return await withClient({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, 'postgres', async (cl) =>
        Number((await cl.query<{ n: string }>('select count(*)::text as n from t')).rows[0].n),
      );
    } catch {
      return null;
    }
  }

  /** Restore --latest --start with the damaged archive; asserts the loud failure. */
  async function restoreMustFail(name: string, extraEnv: Record<string, string>): Promise<{ stderr: string; log: string; dir: string }> {
    const dir = path.join(work, name);
    const port = await freePort();
    running.push(dir);
    const r = await pgkeep(['restore', '--latest', '--to', dir, '--start', '--port', String(port)], { ...env, ...extraEnv });
    const rows = await rowsOn(port);
    // What the restore did, for the record (before the fix: exit 0, "promoted", 3000 rows).
    console.log(`${name}: exit ${r.code}, rows on the restored server: ${rows ?? 'none (not running)'}; ${(r.stderr || r.stdout).trim().split('\n').slice(-1)[0]}`);
    expect(r.code).not.toBe(0);
    expect(rows).toBeNull();
    expect(r.stderr).toMatch(/^pgkeep restore: /m);
    expect(r.stdout).not.toMatch(/Restored backup/);
    // Not promoted: recovery.signal is still there and no timeline 2 was created.
    expect(existsSync(path.join(dir, 'recovery.signal'))).toBe(true);
    expect(existsSync(path.join(dir, 'pg_wal', '00000002.history'))).toBe(false);
    const logPath = /See the server log (\S+?\.log)/.exec(r.stderr)?.[1];
    const log = logPath ? await fsp.readFile(logPath, 'utf8') : '';
    expect(log).not.toMatch(/selected new timeline ID|archive recovery complete/);
    return { stderr: r.stderr, log, dir };
  }

  beforeAll(async () => {
    setup = await startArchivingCluster({ workPrefix: 'pgkeep-fetchfail-', env: { PGKEEP_RESTORE_ARCHIVE_MODE: 'off' } });
    ({ cluster: c, repo, env, work, running } = setup);
    await c.psql('create table t(id int primary key, pad text)');
    const b = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], env);
    expect(b.stderr).not.toMatch(/pgkeep backup:/);
    for (let i = 0; i < 6; i++) {
      await c.psql(`insert into t select g, repeat('x', 100) from generate_series(${i * 1000 + 1}, ${(i + 1) * 1000}) g`);
      segs.push(await setup.switchAndWait());
      console.log(`batch ${i + 1}: ${segs[i]} archived`);
    }
  }, 180_000);

  afterAll(async () => {
    await setup?.destroy();
  });

  /** Eight bytes flipped in the middle of a stored object. */
  async function flipMiddle(obj: string): Promise<void> {
    const buf = await fsp.readFile(obj);
    for (let i = 0; i < 8; i++) buf[Math.floor(buf.length / 2) + i] ^= 0xff;
    await fsp.writeFile(obj, buf);
  }

  /** Swap the 4th batch's stored segment for something bad, run `fn`, put the original back. */
  async function withBadSegment(damage: (obj: string) => Promise<void>, fn: () => Promise<void>): Promise<void> {
    const obj = path.join(repo.dir, walKey(segs[3]));
    const saved = `${obj}.saved`;
    await fsp.copyFile(obj, saved);
    await damage(obj);
    try {
      await fn();
    } finally {
      await fsp.rm(obj, { recursive: true, force: true });
      await fsp.rename(saved, obj);
    }
  }

  it('the intact archive restores all 6,000 rows (the baseline the failures below are measured against)', async () => {
    const dir = path.join(work, 'intact');
    const port = await freePort();
    running.push(dir);
    const r = await pgkeep(['restore', '--latest', '--to', dir, '--start', '--port', String(port)], { ...env, PGKEEP_RESTORE_STAGE_SEGMENTS: '0' });
    expect(r.stderr).not.toMatch(/^pgkeep restore:/m);
    expect(r.code).toBe(0);
    expect(await rowsOn(port)).toBe(6000);
    await stopDir(dir);
  });

  it('with 2 segments staged before start, the rest is staged while replay runs: all 6,000 rows', async () => {
    const dir = path.join(work, 'fed');
    const port = await freePort();
    running.push(dir);
    const lines: string[] = [];
    setLogSink((l) => lines.push(l));
    let r;
    try {
      r = await pgkeep(['restore', '--latest', '--to', dir, '--start', '--port', String(port)], { ...env, PGKEEP_RESTORE_STAGE_SEGMENTS: '2' });
    } finally {
      setLogSink((l) => process.stderr.write(l + '\n'));
    }
    expect(r.stderr).not.toMatch(/^pgkeep restore:/m);
    expect(r.code).toBe(0);
    const logged = lines.join('\n');
    expect(logged).toMatch(/staged 2 of \d+ WAL segment/);
    expect(logged).toMatch(/staged [1-9]\d* more WAL segment\(s\) while replay ran/);
    expect(await rowsOn(port)).toBe(6000);
    await stopDir(dir);
  });

  it('a damaged segment past the first staged ones: staging during replay stops, wal-fetch fails loudly, nothing is promoted', async () => {
    await withBadSegment(
      flipMiddle,
      async () => {
        const { log } = await restoreMustFail('fed-flipped', { PGKEEP_RESTORE_STAGE_SEGMENTS: '2' });
        expect(log).toMatch(/FATAL/);
      },
    );
  });

  it('bytes flipped in the stored .zst: wal-fetch stops recovery (FATAL), nothing is promoted', async () => {
    await withBadSegment(
      flipMiddle,
      async () => {
        // Staging off: every segment goes through restore_command, as on a long replay.
        const { log } = await restoreMustFail('flipped', { PGKEEP_RESTORE_STAGE_SEGMENTS: '0' });
        expect(log).toMatch(new RegExp(`FATAL: .*could not restore file "${segs[3]}" from archive: child process exited with exit code 200`));
        expect(log).toMatch(/is corrupt/);
      },
    );
  });

  it('bytes flipped, with the segment among the staged ones: the restore fails before starting the server', async () => {
    await withBadSegment(
      flipMiddle,
      async () => {
        const dir = path.join(work, 'flipped-staged');
        const r = await pgkeep(['restore', '--latest', '--to', dir, '--start', '--port', String(await freePort())], env);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(new RegExp(`${segs[3]}.*is corrupt`));
      },
    );
  });

  it('an unreadable object (mode 000; wal-fetch runs as the server user): FATAL, nothing is promoted', async () => {
    await withBadSegment(
      (obj) => fsp.chmod(obj, 0o000),
      async () => {
        const { log } = await restoreMustFail('mode000', { PGKEEP_RESTORE_STAGE_SEGMENTS: '0' });
        expect(log).toMatch(new RegExp(`FATAL: .*could not restore file "${segs[3]}" from archive: child process exited with exit code 200`));
        expect(log).toMatch(/permission denied|EACCES/i);
      },
    );
  });

  it('an unreadable timeline directory (mode 000): not mistaken for "not in the archive"', async () => {
    const tliDir = path.join(repo.dir, 'wal', '00000001');
    // Staging (in-process, as root) would read through the mode; the server's wal-fetch cannot.
    await fsp.chmod(tliDir, 0o000);
    try {
      const { log } = await restoreMustFail('dir000', { PGKEEP_RESTORE_STAGE_SEGMENTS: '0' });
      expect(log).toMatch(/FATAL: .*could not restore file "[0-9A-F]{24}" from archive: child process exited with exit code 200/);
    } finally {
      await fsp.chmod(tliDir, 0o755);
    }
  });
});
