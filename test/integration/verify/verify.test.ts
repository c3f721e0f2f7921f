// pgkeep verify against a real repository: clean, then each kind of damage on its own copy.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRepo, makeRealRepo, type RealRepo } from './real-repo.js';
import { parseSegmentName } from '../../../src/wal/segment.js';

let repo: RealRepo;
let work: string;
let n = 0;
const damaged = () => path.join(work, `copy-${++n}`);

beforeAll(async () => {
  work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-verify-test-'));
  repo = await makeRealRepo();
});
afterAll(async () => {
  await repo?.cluster.destroy();
  if (repo) await fsp.rm(repo.repoDir, { recursive: true, force: true });
  await fsp.rm(work, { recursive: true, force: true });
});

async function manifests(root: string) {
  const ids = await fsp.readdir(path.join(root, 'backups'));
  const out = await Promise.all(ids.map(async (id) => fsp.readFile(path.join(root, 'backups', id, 'manifest.json'), 'utf8').then(JSON.parse, () => null)));
  return out.filter(Boolean);
}

describe('pgkeep verify', () => {
  it('passes on an intact repository and counts what it read', async () => {
    const r = await repo.run(['verify']);
    expect(r.code, JSON.stringify(r.json?.problems) + r.stderr).toBe(0);
    expect(r.json.ok).toBe(true);
    expect(r.json.checked.backups).toBe(2);
    const ms = await manifests(repo.repoDir);
    expect(r.json.checked.objects).toBe(ms.reduce((a: number, m: any) => a + m.objects.length, 0));
    expect(r.json.checked.bytes).toBe(ms.reduce((a: number, m: any) => a + m.bytes, 0));
    expect(r.json.checked.walSegments).toBeGreaterThanOrEqual(5);
    expect(r.json.problems).toEqual([]);
  });

  it('fails naming the backup and object when one byte of a stored object is flipped', async () => {
    const root = damaged();
    const url = await copyRepo(repo.repoDir, root);
    const full = (await manifests(root)).find((m: any) => m.type === 'full');
    const file = path.join(root, 'backups', full.id, 'base.tar.zst');
    const buf = await fsp.readFile(file);
    buf[Math.floor(buf.length / 2)] ^= 0x01;
    await fsp.writeFile(file, buf);
    const r = await repo.run(['verify'], url);
    expect(r.code).toBe(1);
    expect(r.json.ok).toBe(false);
    const p = r.json.problems.find((x: any) => x.object === 'base.tar.zst' && x.backupId === full.id);
    expect(p?.message).toMatch(/corrupt: expected \d+ bytes with SHA-256/);
    // Human output names the same.
    const text = await (await import('../../helpers/cli.js')).pgkeep(['verify'], { ...repo.env, PGKEEP_REPO: url });
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`backup ${full.id}, object base.tar.zst`);
  });

  it('the CLI bundle exits as soon as verify is done, also when a decoding thread never got a WAL frame', async () => {
    // One WAL segment left, two or more decoding threads: the idle one once held the process
    // (its message port stayed referenced) and `pgkeep verify` never returned to the workflow.
    const { pgkeepBundle } = await import('../../helpers/cli.js');
    const root = damaged();
    const url = await copyRepo(repo.repoDir, root);
    const full = (await manifests(root)).find((m: any) => m.type === 'full');
    const tlDir = path.join(root, 'wal', full.startWal.slice(0, 8));
    const segs = (await fsp.readdir(tlDir)).filter((f) => /^[0-9A-F]{24}\.zst$/.test(f)).sort();
    for (const s of segs.filter((x) => x !== `${full.startWal}.zst`)) await fsp.rm(path.join(tlDir, s));
    const t0 = Date.now();
    const r = await Promise.race([
      pgkeepBundle(['verify', '--checksums-only', '--json'], { ...repo.env, PGKEEP_REPO: url }),
      new Promise<null>((res) => setTimeout(() => res(null), 60_000)),
    ]);
    expect(r, 'pgkeep verify did not exit within 60 s').not.toBeNull();
    expect(r!.code, r!.stderr).toBe(0); // the backups' own WAL (start..stop of the full) is all there
    expect(JSON.parse(r!.stdout).checked.walSegments).toBeGreaterThanOrEqual(1);
    expect(Date.now() - t0).toBeLessThan(60_000);
  });

  it('names the gap when a WAL segment in the middle of the chain is deleted', async () => {
    const root = damaged();
    const url = await copyRepo(repo.repoDir, root);
    const full = (await manifests(root)).find((m: any) => m.type === 'full');
    const tlDir = path.join(root, 'wal', full.startWal.slice(0, 8));
    const segs = (await fsp.readdir(tlDir)).filter((f) => /^[0-9A-F]{24}\.zst$/.test(f)).sort();
    const start = parseSegmentName(full.startWal).segno;
    const after = segs.filter((s) => parseSegmentName(s.slice(0, 24)).segno > start);
    expect(after.length).toBeGreaterThanOrEqual(3);
    const victim = after[1].slice(0, 24);
    await fsp.rm(path.join(tlDir, `${victim}.zst`));
    const r = await repo.run(['verify'], url);
    expect(r.code).toBe(1);
    expect(r.json.problems.map((p: any) => p.message)).toContain(`WAL segment ${victim} is missing on timeline 1`);
    // And a restore past the gap refuses before writing anything.
    const rr = await repo.run(['restore', '--latest', '--dry-run'], url);
    expect(rr.code).not.toBe(0);
    expect(rr.stderr).toContain(victim);
  });

  it('names a WAL segment whose stored bytes were altered', async () => {
    const root = damaged();
    const url = await copyRepo(repo.repoDir, root);
    const tlDir = path.join(root, 'wal', '00000001');
    const seg = (await fsp.readdir(tlDir)).filter((f) => /^[0-9A-F]{24}\.zst$/.test(f)).sort().pop()!;
    const file = path.join(tlDir, seg);
    const buf = await fsp.readFile(file);
    buf[Math.floor(buf.length / 2)] ^= 0x10;
    await fsp.writeFile(file, buf);
    const r = await repo.run(['verify', '--checksums-only'], url);
    expect(r.code).toBe(1);
    const p = r.json.problems.find((x: any) => x.object === `wal/00000001/${seg}`);
    expect(p?.message).toMatch(new RegExp(`WAL segment ${seg.slice(0, 24)} is corrupt`));
  });

  it('fails when a logical dump is truncated, naming it', async () => {
    const root = damaged();
    const url = await copyRepo(repo.repoDir, root);
    const logical = (await manifests(root)).find((m: any) => m.type === 'logical');
    const dump = logical.objects.find((o: any) => o.database === 'app');
    const file = path.join(root, 'backups', logical.id, dump.name);
    const st = await fsp.stat(file);
    await fsp.truncate(file, Math.floor(st.size / 2));
    const r = await repo.run(['verify'], url);
    expect(r.code).toBe(1);
    const mine = r.json.problems.filter((p: any) => p.backupId === logical.id && p.object === dump.name);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine[0].message).toMatch(new RegExp(`found ${Math.floor(st.size / 2)} bytes`));
    // The physical backup is still fine: only the logical one is named.
    expect(r.json.problems.every((p: any) => p.backupId === logical.id)).toBe(true);
  });

  it('pg_verifybackup catches a data file changed inside a consistently re-hashed base tar', async () => {
    // Damage that checksums cannot see (the manifest re-signed): only pg_verifybackup finds it.
    const root = damaged();
    const url = await copyRepo(repo.repoDir, root);
    const full = (await manifests(root)).find((m: any) => m.type === 'full');
    const { execFileSync } = await import('node:child_process');
    const work = path.join(root, 'x');
    await fsp.mkdir(work);
    const base = path.join(root, 'backups', full.id, 'base.tar.zst');
    execFileSync('sh', ['-c', `zstd -dc '${base}' | tar -x -C '${work}'`]);
    const pgVersion = path.join(work, 'PG_VERSION');
    await fsp.writeFile(pgVersion, '14\n');
    execFileSync('sh', ['-c', `cd '${work}' && tar -c . | zstd -q -c > '${base}'`]);
    await fsp.rm(work, { recursive: true });
    const { createHash } = await import('node:crypto');
    const data = await fsp.readFile(base);
    const obj = full.objects.find((o: any) => o.name === 'base.tar.zst');
    obj.bytes = data.length;
    obj.sha256 = createHash('sha256').update(data).digest('hex');
    await fsp.writeFile(path.join(root, 'backups', full.id, 'manifest.json'), JSON.stringify(full));
    const r = await repo.run(['verify', '--backup', full.id], url);
    expect(r.code).toBe(1);
    expect(r.json.problems.map((p: any) => p.message).join(' ')).toMatch(/pg_verifybackup.*PG_VERSION/);
  });

  it('checks each copy of a mirror on its own and names the damaged copy', async () => {
    const a = damaged();
    const b = damaged();
    await copyRepo(repo.repoDir, a);
    await copyRepo(repo.repoDir, b);
    const logical = (await manifests(b)).find((m: any) => m.type === 'logical');
    const dump = logical.objects.find((o: any) => o.database === 'app');
    const file = path.join(b, 'backups', logical.id, dump.name);
    const buf = await fsp.readFile(file);
    buf[10] ^= 0xff;
    await fsp.writeFile(file, buf);
    const walDir = path.join(b, 'wal', '00000001');
    const lastSeg = (await fsp.readdir(walDir)).filter((f) => /^[0-9A-F]{24}\.zst$/.test(f)).sort().pop()!;
    await fsp.rm(path.join(walDir, lastSeg));
    const r = await repo.run(['verify', '--checksums-only'], `file://${a},file://${b}`);
    expect(r.code).toBe(1);
    expect(r.json.copies.map((c: any) => [c.copy, c.ok])).toEqual([[`file://${a}`, true], [`file://${b}`, false]]);
    expect(r.json.problems.every((p: any) => p.copy === `file://${b}`)).toBe(true);
    expect(r.json.problems.some((p: any) => p.object === dump.name && p.backupId === logical.id)).toBe(true);
    // The newest segment is missing on copy b only: the union listing still has it, the copy does not.
    expect(r.json.problems.some((p: any) => p.message.includes(lastSeg.slice(0, 24)))).toBe(true);
  });

  it('reports a backup without a manifest as a warning, not a failure', async () => {
    const root = damaged();
    const url = await copyRepo(repo.repoDir, root);
    await fsp.mkdir(path.join(root, 'backups', '20260101T000000Z-full'));
    await fsp.writeFile(path.join(root, 'backups', '20260101T000000Z-full', 'base.tar.zst'), 'partial');
    const r = await repo.run(['verify'], url);
    expect(r.code, JSON.stringify(r.json.problems)).toBe(0);
    expect(r.json.warnings.join(' ')).toMatch(/20260101T000000Z-full has objects but no manifest/);
  });
});
