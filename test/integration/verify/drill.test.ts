// pgkeep verify --drill on a real repository: restore the newest full backup + WAL into an
// ephemeral cluster, pg_amcheck, logical restore into scratch, RTO/RPO; and on a damaged copy.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepo, makeRealRepo, type RealRepo } from './real-repo.js';
import { serverReadableCli } from '../../helpers/archiving.js';

let repo: RealRepo;
let work: string;
let cliEnv: Record<string, string>;

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-drill-test-'));
  await fsp.chmod(work, 0o755); // the drill's cluster (user postgres) lives below it
  repo = await makeRealRepo();
  const cli = serverReadableCli();
  cliEnv = { PGKEEP_NODE_PATH: cli.node, PGKEEP_CLI_PATH: cli.bundle };
});
afterAll(async () => {
  await repo?.cluster.destroy();
  if (repo) await fsp.rm(repo.repoDir, { recursive: true, force: true });
  await fsp.rm(work, { recursive: true, force: true });
});

// The drill runs with TMPDIR = this file's own directory, so drills of other test files running
// at the same time (the pg-verify action's) cannot make its leftovers check flaky.
const drillDirs = async () => (await fsp.readdir(work)).filter((d) => d.startsWith('pgkeep-drill-'));
const histories = async (root: string) => (await fsp.readdir(path.join(root, 'wal'), { recursive: true })).filter((f) => String(f).endsWith('.history.zst'));

describe('pgkeep verify --drill', () => {
  it('restores the newest full backup to the newest archived instant, checks it, and reports RTO/RPO', { timeout: 600_000 }, async () => {
    // The last commit before the drill: the drill must reach it.
    await repo.cluster.psql(`insert into t(v) values ('canary')`, 'app');
    const lastCommit = (await repo.cluster.psql(`select to_char(max(at) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') from t`, 'app')).trim();
    await repo.moreWal(1);
    const full = (await repo.run(['list'])).json.filter((b: any) => b.type === 'full').pop();
    const logical = (await repo.run(['list'])).json.filter((b: any) => b.type === 'logical').pop();
    const before = await drillDirs();
    const t0 = Date.now();
    const r = await repo.run(['verify', '--drill'], undefined, { ...cliEnv, TMPDIR: work });
    expect(r.code, JSON.stringify(r.json?.problems) + r.stderr.slice(-2000)).toBe(0);
    expect(before).toEqual([]);
    expect(r.json.ok).toBe(true);
    expect(r.json.backupId).toBe(full.id);
    expect(Date.parse(r.json.recoveredTo)).toBeGreaterThanOrEqual(Date.parse(lastCommit));
    expect(typeof r.json.rtoSeconds).toBe('number');
    expect(r.json.rtoSeconds).toBeGreaterThan(0);
    expect(r.json.rtoSeconds).toBeLessThanOrEqual((Date.now() - t0) / 1000);
    expect(typeof r.json.rpoSeconds).toBe('number');
    // RPO = drill start minus the recovered instant.
    const rec = Date.parse(r.json.recoveredTo);
    expect(r.json.rpoSeconds).toBeGreaterThanOrEqual(Math.floor((t0 - rec) / 1000) - 1);
    expect(r.json.rpoSeconds).toBeLessThanOrEqual(Math.ceil((Date.now() - rec) / 1000));
    expect(r.json.rpoSeconds).toBeLessThan(120);
    expect(r.json.checkedDatabases).toContain('app');
    expect(r.json.logicalBackupId).toBe(logical.id);
    expect(r.json.logicalRestored).toContain('app');
    // Everything was dropped, and the drill cluster archived nothing into the repository.
    expect(await drillDirs()).toEqual(before);
    expect(await histories(repo.repoDir)).toEqual([]);
    console.log(`drill: RTO ${r.json.rtoSeconds} s, RPO ${r.json.rpoSeconds} s, phases ${JSON.stringify(r.json.phases)}`);
  });

  it('fails on a corrupted backup and says why', async () => {
    const root = path.join(work, 'corrupt');
    const url = await copyRepo(repo.repoDir, root);
    const full = (await repo.run(['list'])).json.filter((b: any) => b.type === 'full').pop();
    const file = path.join(root, 'backups', full.id, 'base.tar.zst');
    const buf = await fsp.readFile(file);
    buf[Math.floor(buf.length / 3)] ^= 0x40;
    await fsp.writeFile(file, buf);
    const r = await repo.run(['verify', '--drill'], url, cliEnv);
    expect(r.code).toBe(1);
    expect(r.json.ok).toBe(false);
    expect(r.json.backupId).toBe(full.id);
    expect(r.json.rtoSeconds).toBeUndefined();
    const msg = r.json.problems.map((p: any) => p.message).join(' ');
    expect(msg).toMatch(/Drill failed: restoring backup .* failed/);
    expect(msg).toMatch(/base\.tar\.zst/);
    expect(msg).toMatch(/corrupt|checksum|SHA-256/i);
    console.log(`corrupted drill: ${msg}`);
  });
});
