// After `pgkeep expire` with an S3 Object Lock copy, the locked copy still holds an expired
// backup (and its WAL) that the other copies deleted. That is the intended state: verify must not
// call it a missing object, and verify --repair must not copy the expired backup back to the
// copies that expired it. Two file copies stand in for the unlocked and the locked copy (the
// state is what matters; Object Lock itself is tested against a real endpoint in
// test/integration/storage/object-lock.test.ts).
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';
import { runVerify } from '../../../src/commands/verify.js';
import { writeJson } from '../../../src/repo/catalog.js';
import { makeBackupId, manifestKey, REPO_INFO_KEY, FORMAT_VERSION } from '../../../src/repo/layout.js';
import type { Manifest } from '../../../src/repo/manifest.js';
import { FsStore } from '../../../src/storage/fs-store.js';

const DAY = 86400_000;
let dir: string;
let unlocked: FsStore;
let locked: FsStore;
let oldId: string;
let newId: string;

async function logicalBackup(store: FsStore, daysAgo: number): Promise<string> {
  const start = new Date(Date.now() - daysAgo * DAY);
  const id = makeBackupId(start, 'logical');
  const body = Buffer.from(`dump of ${id}\n`);
  await store.put(`backups/${id}/core.dump`, Readable.from([body]));
  const m: Manifest = {
    format: FORMAT_VERSION,
    id,
    type: 'logical',
    startTime: start.toISOString(),
    stopTime: new Date(start.getTime() + 60_000).toISOString(),
    pgVersion: '15.8',
    pgVersionNum: 150008,
    systemIdentifier: '7000000000000000001',
    databases: ['core'],
    bytes: body.length,
    rawBytes: body.length,
    objects: [{ name: 'core.dump', kind: 'dump', database: 'core', bytes: body.length, sha256: createHash('sha256').update(body).digest('hex'), rawBytes: body.length, compression: 'none' }],
    tool: { name: 'pgkeep', version: 'test' },
  };
  await writeJson(store, manifestKey(id), m, true);
  return id;
}

beforeAll(async () => {
  dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-locked-verify-'));
  unlocked = new FsStore(path.join(dir, 'local'));
  locked = new FsStore(path.join(dir, 'offsite'));
  for (const s of [unlocked, locked]) await writeJson(s, REPO_INFO_KEY, { format: FORMAT_VERSION, systemIdentifier: '7000000000000000001', created: new Date().toISOString() });
  // The locked copy still holds the 60-day-old backup that expire removed from the other copy.
  oldId = await logicalBackup(locked, 60);
  newId = await logicalBackup(locked, 1);
  for (const k of [`backups/${newId}/core.dump`, manifestKey(newId)]) await fsp.cp(path.join(dir, 'offsite', k), path.join(dir, 'local', k));
});
afterAll(async () => {
  if (dir) await fsp.rm(dir, { recursive: true, force: true });
});

describe('verify with an expired backup left on a locked copy', () => {
  const cfg = () => loadConfig({ PGKEEP_REPO: `file://${path.join(dir, 'local')},file://${path.join(dir, 'offsite')}`, PGKEEP_RETENTION_DAYS: '30' });

  it('reports no problem for the copy that expired it', async () => {
    const v = await runVerify(cfg(), { checksumsOnly: true });
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
  });

  it('does not copy the expired backup back with --repair', async () => {
    const v = await runVerify(cfg(), { checksumsOnly: true, repair: true });
    expect((v.repaired as { copied: number }).copied).toBe(0);
    expect(await unlocked.head(manifestKey(oldId))).toBeNull();
    expect(await unlocked.head(`backups/${oldId}/core.dump`)).toBeNull();
    expect(await locked.head(manifestKey(oldId))).not.toBeNull();
  });

  it('still reports (and repairs) a backup inside the window that a copy lacks', async () => {
    const recent = await logicalBackup(locked, 2);
    const v = await runVerify(cfg(), { checksumsOnly: true });
    expect(v.problems.map((p) => p.message)).toContain(`backup ${recent} has no manifest on ${unlocked.description}`);
    const r = await runVerify(cfg(), { checksumsOnly: true, repair: true });
    expect((r.repaired as { copied: number }).copied).toBe(2);
    expect(r.ok).toBe(true);
    expect(await unlocked.head(manifestKey(recent))).not.toBeNull();
  });
});
