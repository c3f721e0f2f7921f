import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { runTool } from '../../../src/postgres/pg-tools.js';
import { FsStore } from '../../../src/storage/fs-store.js';
import { loadWalCatalog } from '../../../src/repo/wal-catalog.js';
import { fetchWalFile } from '../../../src/wal/wal-object.js';
import { parseSegmentName } from '../../../src/wal/segment.js';
import { binDir, startCluster } from '../../helpers/pg.js';
import { archivingSettings, makeServerRepo } from '../../helpers/archiving.js';

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('archive_command = pgkeep wal-push %p (the bundle, run by the server as postgres)', () => {
  let c: LocalCluster;
  let repo: { dir: string; url: string };

  beforeAll(async () => {
    repo = await makeServerRepo();
    c = await startCluster(archivingSettings(repo.url, { max_wal_size: '96MB', checkpoint_timeout: '30s' }));
  });
  afterAll(async () => {
    await c?.destroy();
    await fsp.rm(repo.dir, { recursive: true, force: true });
  });

  it('archives every segment under a pgbench write load, none failed, none missing', async () => {
    await runTool(binDir(), 'pgbench', ['-i', '-s', '5', '-q'], { env: c.env, what: 'pgbench -i' });
    await runTool(binDir(), 'pgbench', ['-T', '20', '-c', '4', '-j', '2', '-n'], { env: c.env, what: 'pgbench' });
    const ready = (await fsp.readdir(path.join(c.dataDir, 'pg_wal', 'archive_status'))).filter((f) => f.endsWith('.ready')).length;
    console.log(`segments waiting in archive_status when pgbench stopped: ${ready}`);
    const last = (await c.psql(`select pg_walfile_name(pg_switch_wal())`)).trim();
    await waitFor('the last segment to be archived', async () => (await c.psql(`select coalesce(last_archived_wal, '') from pg_stat_archiver`)).trim() >= last);
    const stats = (await c.psql(`select archived_count || ' ' || failed_count from pg_stat_archiver`)).trim().split(' ').map(Number);
    expect(stats[1]).toBe(0);
    expect(stats[0]).toBeGreaterThan(5);

    const cat = await loadWalCatalog(new FsStore(repo.dir));
    const segs = cat.segments.filter((s) => s.timeline === 1).map((s) => s.segno);
    const lastNo = parseSegmentName(last).segno;
    // From the first segment the server archived through the one just switched: no gap.
    expect(segs[0]).toBe(1n);
    expect(segs[segs.length - 1]).toBeGreaterThanOrEqual(lastNo);
    for (let i = 1; i < segs.length; i++) expect(segs[i]).toBe(segs[i - 1] + 1n);
    // Every stored object decompresses and verifies to a full 16 MiB segment.
    const tmp = path.join(repo.dir, '..', `verify-${path.basename(repo.dir)}`);
    await fsp.mkdir(tmp, { recursive: true });
    for (const s of cat.segments) {
      const r = await fetchWalFile(new FsStore(repo.dir), s.name, path.join(tmp, s.name));
      expect(r.rawBytes).toBe(16 * 1024 * 1024);
      await fsp.rm(path.join(tmp, s.name));
    }
    // The newest archived segment equals the server's own file byte for byte.
    const local = await fsp.readFile(path.join(c.dataDir, 'pg_wal', last));
    await fetchWalFile(new FsStore(repo.dir), last, path.join(tmp, last));
    const fetched = await fsp.readFile(path.join(tmp, last));
    expect(createHash('sha256').update(fetched).digest('hex')).toBe(createHash('sha256').update(local).digest('hex'));
    await fsp.rm(tmp, { recursive: true, force: true });
    expect(await c.serverLog()).not.toMatch(/archive command failed/);
  });
});
