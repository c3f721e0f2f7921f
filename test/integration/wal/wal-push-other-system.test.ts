// Two clusters (two initdb's, two system identifiers) archive into one repository, as a staging
// clone pointed at production's repository would. The first system's WAL claims the repository
// (pgkeep.json); the second's is refused before anything is written, by its real
// archive_command and by a direct `pgkeep wal-push`, with both identifiers in the message; a
// backup of the second is refused too. Before the check, the second cluster's segments were
// stored beside production's (only a segment whose name production already had was refused,
// as "DIFFERENT content").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { FsStore } from '../../../src/storage/fs-store.js';
import { walKey } from '../../../src/repo/layout.js';
import { fetchWalFile } from '../../../src/wal/wal-object.js';
import { readSegmentHeader } from '../../../src/wal/segment-header.js';
import { MARKER_DIR } from '../../../src/wal/wal-push.js';
import { archivingSettings, makeServerRepo } from '../../helpers/archiving.js';
import { pgkeep } from '../../helpers/cli.js';
import { startCluster } from '../../helpers/pg.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, fn: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await fn()) return;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('wal-push refuses WAL of another database system', () => {
  let repo: { dir: string; url: string };
  let prod: LocalCluster;
  let staging: LocalCluster;
  let prodId = '';
  let stagingId = '';

  const sysid = async (c: LocalCluster) => (await c.psql('select system_identifier::text from pg_control_system()')).trim();
  const switchWal = async (c: LocalCluster) => {
    await c.psql('create table if not exists t(id int); insert into t select generate_series(1, 100)');
    return (await c.psql('select pg_walfile_name(pg_switch_wal())')).trim();
  };

  beforeAll(async () => {
    repo = await makeServerRepo();
    prod = await startCluster(archivingSettings(repo.url));
    staging = await startCluster(archivingSettings(repo.url));
    prodId = await sysid(prod);
    stagingId = await sysid(staging);
    expect(prodId).not.toBe(stagingId);
    // Production archives first and so claims the empty repository.
    const seg = await switchWal(prod);
    await waitFor(`${seg} archived`, async () => existsSync(path.join(repo.dir, walKey(seg))));
  });

  afterAll(async () => {
    await prod?.destroy();
    await staging?.destroy();
    if (repo) await fsp.rm(repo.dir, { recursive: true, force: true });
  });

  it('the first push records the system identifier in pgkeep.json and caches it beside the markers', async () => {
    const info = JSON.parse(await fsp.readFile(path.join(repo.dir, 'pgkeep.json'), 'utf8'));
    expect(info.systemIdentifier).toBe(prodId);
    // Readable by every user of the repository (wal-push runs as the server's user).
    expect((await fsp.stat(path.join(repo.dir, 'pgkeep.json'))).mode & 0o777).toBe(0o644);
    const cached = (await fsp.readdir(path.join(prod.dataDir, 'pg_wal', MARKER_DIR))).filter((f) => f.startsWith('repo-system-'));
    expect(cached).toHaveLength(1);
  });

  it("the second cluster's archive_command fails, naming both identifiers; none of its WAL is stored", async () => {
    await switchWal(staging);
    await waitFor('a failed archive attempt on the second cluster', async () => Number((await staging.psql('select failed_count from pg_stat_archiver')).trim()) > 0);
    const log = await staging.serverLog();
    expect(log).toContain(`belongs to database system ${stagingId}, but repository file://${repo.dir} holds database system ${prodId}`);
    expect(Number((await staging.psql('select archived_count from pg_stat_archiver')).trim())).toBe(0);
    // Every stored segment is production's.
    const store = new FsStore(repo.dir);
    const tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-sysid-'));
    for (const o of await store.list('wal/')) {
      const name = path.basename(o.key, '.zst');
      if (!/^[0-9A-F]{24}$/.test(name)) continue;
      await fetchWalFile(store, name, path.join(tmp, name));
      expect((await readSegmentHeader(path.join(tmp, name))).header.systemIdentifier).toBe(prodId);
    }
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('a direct wal-push of a segment name production has not archived is refused before anything is written', async () => {
    // Move the second cluster past every name production has used.
    let seg = '';
    for (let i = 0; i < 4; i++) seg = await switchWal(staging);
    expect(existsSync(path.join(repo.dir, walKey(seg)))).toBe(false);
    const r = await pgkeep(['wal-push', path.join(staging.dataDir, 'pg_wal', seg)], { PGKEEP_REPO: repo.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`WAL file ${seg} belongs to database system ${stagingId}, but repository .* holds database system ${prodId}; nothing was written`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(path.join(repo.dir, walKey(seg)))).toBe(false);
  });

  it('a backup of the second cluster into the repository is refused too', async () => {
    const r = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast'], { ...staging.env, PGKEEP_REPO: repo.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`belongs to cluster ${prodId}, but the server is cluster ${stagingId}`);
  });

  it('production keeps archiving from its cache without reading pgkeep.json each time', async () => {
    // The server's user can no longer read pgkeep.json: only the cached answer lets this pass.
    await fsp.chown(path.join(repo.dir, 'pgkeep.json'), 0, 0);
    await fsp.chmod(path.join(repo.dir, 'pgkeep.json'), 0o600);
    try {
      const seg = await switchWal(prod);
      await waitFor(`${seg} archived`, async () => existsSync(path.join(repo.dir, walKey(seg))));
    } finally {
      await fsp.chmod(path.join(repo.dir, 'pgkeep.json'), 0o644);
    }
    expect(Number((await prod.psql('select failed_count from pg_stat_archiver')).trim())).toBe(0);
  });
});
