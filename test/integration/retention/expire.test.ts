// pgkeep expire end to end on a real repository (file + S3 mirror): --now 31 days ahead drops the
// older full backup with its WAL and the older logical backup, keeps the newest, and a restore
// to the latest instant still brings back every row. Dry run and a held backup lock delete nothing.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepo, makeRealRepo, takeFull, type RealRepo } from '../verify/real-repo.js';
import { serverReadableCli } from '../../helpers/archiving.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';
import { FsStore } from '../../../src/storage/fs-store.js';
import { S3Store } from '../../../src/storage/s3-store.js';
import { parseRepoUrl } from '../../../src/config/repo-url.js';
import { startRestored } from '../../../src/restore/execute.js';
import { chownForServer } from '../../../src/postgres/local-cluster.js';
import { binDir } from '../../helpers/pg.js';
import { parseSegmentName } from '../../../src/wal/segment.js';
import type { Store } from '../../../src/storage/store.js';
import { runExpire } from '../../../src/commands/expire.js';
import { loadConfig } from '../../../src/config/config.js';
import { describeError } from '../../../src/util/errors.js';

let repo: RealRepo;
let s3: TestS3;
let work: string;
let fullOld: string;
let fullNew: string;
let logicalOld: string;
let logicalNew: string;
let mirrorUrl: string;
let fileCopy: string;
let s3Store: Store;
const in31days = () => new Date(Date.now() + 31 * 86400_000).toISOString();

/**
 * A real expire 31 days from now. The CLI takes --now only with --dry-run, so the aged clock
 * goes in through the command's programmatic `clock` (same code path after the CLI frame).
 */
async function expireIn31Days(url: string, extraEnv: Record<string, string> = {}): Promise<{ code: number; json: any; stderr: string }> {
  try {
    const json = await runExpire(loadConfig({ ...repo.env, PGKEEP_REPO: url, ...extraEnv }), { dryRun: false, clock: new Date(in31days()) });
    return { code: 0, json: JSON.parse(JSON.stringify(json)), stderr: '' };
  } catch (e) {
    return { code: 1, json: undefined, stderr: describeError(e) };
  }
}

async function keys(store: Store): Promise<string[]> {
  return (await store.list('')).map((o) => o.key).filter((k) => !k.startsWith('locks/'));
}

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-expire-test-'));
  await fsp.chmod(work, 0o755);
  s3 = await startS3();
  repo = await makeRealRepo();
  const list1 = (await repo.run(['list'])).json;
  fullOld = list1.find((b: any) => b.type === 'full').id;
  logicalOld = list1.find((b: any) => b.type === 'logical').id;
  await new Promise((r) => setTimeout(r, 1100)); // ids have one-second resolution
  await repo.moreWal(2);
  fullNew = await takeFull(repo);
  await repo.moreWal(1);
  const l = await repo.run(['backup', '--type', 'logical']);
  expect(l.code, l.stderr).toBe(0);
  logicalNew = l.json.id;
  await repo.moreWal(2);
  // The mirror: a file copy and an S3 copy of the same repository.
  fileCopy = path.join(work, 'file-copy');
  await copyRepo(repo.repoDir, fileCopy);
  await chownForServer(fileCopy); // restore_command (the server user) reads this copy
  const bucket = await s3.bucket('expire');
  const loc = parseRepoUrl(`s3://${bucket}/repo`);
  s3Store = new S3Store(loc as any, s3.settings());
  const src = new FsStore(repo.repoDir);
  for (const o of await src.list('')) await s3Store.put(o.key, await src.get(o.key));
  mirrorUrl = `file://${fileCopy},s3://${bucket}/repo`;
});
afterAll(async () => {
  await repo?.cluster.destroy();
  if (repo) await fsp.rm(repo.repoDir, { recursive: true, force: true });
  await s3?.stop();
  await fsp.rm(work, { recursive: true, force: true });
});

describe('pgkeep expire', () => {
  it('--dry-run prints the plan with sizes and deletes nothing', async () => {
    const before = await keys(new FsStore(repo.repoDir));
    const r = await repo.run(['expire', '--now', in31days(), '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.dryRun).toBe(true);
    expect(r.json.plan.expire.map((b: any) => b.id).sort()).toEqual([fullOld, logicalOld].sort());
    expect(r.json.plan.keep.map((b: any) => b.id).sort()).toEqual([fullNew, logicalNew].sort());
    expect(r.json.plan.expireWal.length).toBeGreaterThan(0);
    expect(r.json.plan.bytesFreed).toBeGreaterThan(0);
    expect(await keys(new FsStore(repo.repoDir))).toEqual(before);
    const text = await (await import('../../helpers/cli.js')).pgkeep(['expire', '--now', in31days(), '--dry-run'], repo.env);
    expect(text.stdout).toMatch(/Dry run \(nothing deleted\)/);
    expect(text.stdout).toMatch(new RegExp(`expire ${fullOld} +[\\d.]+ [KMG]?i?B`));
    expect(await keys(new FsStore(repo.repoDir))).toEqual(before);
  });

  it('refuses while a backup holds its lock, deleting nothing', async () => {
    const root = path.join(work, 'locked');
    const url = await copyRepo(repo.repoDir, root);
    const before = await keys(new FsStore(root));
    await fsp.mkdir(path.join(root, 'locks'), { recursive: true });
    await fsp.writeFile(path.join(root, 'locks', 'backup-full.lock'), JSON.stringify({ name: 'backup-full', host: os.hostname(), pid: process.pid, since: new Date().toISOString() }));
    const r = await repo.run(['expire'], url);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Another pgkeep backup-full is running/);
    expect(await keys(new FsStore(root))).toEqual(before);
  });

  it('with --now 31 days ahead removes the older full with its WAL on every copy; restore to latest still works', { timeout: 600_000 }, async () => {
    const newManifest = JSON.parse(await fsp.readFile(path.join(repo.repoDir, 'backups', fullNew, 'manifest.json'), 'utf8'));
    const keepFrom = parseSegmentName(newManifest.startWal).segno;
    const r = await expireIn31Days(mirrorUrl, s3.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.applied.deletedBackups.sort()).toEqual([fullOld, logicalOld].sort());
    for (const store of [new FsStore(fileCopy), s3Store]) {
      const ks = await keys(store);
      expect(ks.some((k) => k.startsWith(`backups/${fullOld}/`))).toBe(false);
      expect(ks.some((k) => k.startsWith(`backups/${logicalOld}/`))).toBe(false);
      expect(ks).toContain(`backups/${fullNew}/manifest.json`);
      expect(ks).toContain(`backups/${logicalNew}/manifest.json`);
      const segs = ks.filter((k) => /^wal\/[0-9A-F]{8}\/[0-9A-F]{24}\.zst$/.test(k)).map((k) => parseSegmentName(k.slice(13, 37)).segno);
      expect(segs.length).toBeGreaterThan(0);
      expect(segs.every((s) => s >= keepFrom)).toBe(true);
      expect(segs).toContain(keepFrom);
      expect(ks.some((k) => k.startsWith('locks/'))).toBe(false);
    }
    // What is left verifies on both copies.
    const v = await repo.run(['verify'], mirrorUrl, s3.env);
    expect(v.code, JSON.stringify(v.json?.problems)).toBe(0);
    expect(v.json.copies).toHaveLength(2);

    // Restore to the newest archived instant from the expired mirror: every row is back.
    const want = (await repo.cluster.psql('select count(*) from t', 'app')).trim();
    const cli = serverReadableCli();
    const to = path.join(work, 'restored');
    // From the file copy: the server's restore_command has no S3 credentials in this test.
    const rr = await repo.run(['restore', '--latest', '--to', to], `file://${fileCopy}`, { PGKEEP_NODE_PATH: cli.node, PGKEEP_CLI_PATH: cli.bundle });
    expect(rr.code, rr.stderr.slice(-2000)).toBe(0);
    expect(rr.json.backupId).toBe(fullNew);
    const up = await startRestored({ dir: to, binDir: binDir(), settings: { archive_mode: 'off', fsync: 'off' }, timeoutSeconds: 500 });
    try {
      expect((await up.cluster.psql('select count(*) from t', 'app')).trim()).toBe(want);
    } finally {
      await up.cluster.destroy();
    }
  });

  it('a second run with the same clock has nothing left to do', async () => {
    const r = await expireIn31Days(mirrorUrl, s3.env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.plan.expire).toEqual([]);
    expect(r.json.plan.expireWal).toEqual([]);
  });
});
