// Manifests and pgkeep.json come from storage that others may write to (a shared bucket) or
// that may be damaged: a huge, unparsable or wrong-shaped file is refused with a message that
// names it, is never buffered whole, and one bad manifest makes only its own backup unusable:
// list shows it as BROKEN (exit 0, --json keeps the contract array), verify fails naming it,
// restoring it by id says why, and every other backup stays listed and usable.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { FsStore } from '../../../src/storage/fs-store.js';
import { ensureRepoInfo, findBackup, loadCatalog, readManifest, MAX_MANIFEST_BYTES } from '../../../src/repo/catalog.js';
import { pgkeep } from '../../helpers/cli.js';

const roots: string[] = [];
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

function repo(): { root: string; store: FsStore; env: Record<string, string> } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pgkeep-catalog-hostile-'));
  roots.push(root);
  return { root, store: new FsStore(root), env: { PGKEEP_REPO: `file://${root}` } };
}

const GOOD = '20261101T000000Z-logical';
const BAD = '20261102T000000Z-logical';

function manifest(id: string): object {
  return { format: 1, id, type: 'logical', startTime: `${id.slice(0, 4)}-11-0${id[7]}T00:00:00Z`, stopTime: `${id.slice(0, 4)}-11-0${id[7]}T00:00:01Z`, pgVersion: '15.0', pgVersionNum: 150000, systemIdentifier: '7300000000000000001', bytes: 0, rawBytes: 0, databases: ['app'], objects: [], tool: { name: 'pgkeep', version: 'test' } };
}

function writeManifest(root: string, id: string, body: string | object): void {
  mkdirSync(path.join(root, 'backups', id), { recursive: true });
  writeFileSync(path.join(root, 'backups', id, 'manifest.json'), typeof body === 'string' ? body : JSON.stringify(body));
}

async function writeHuge(file: string, bytes: number): Promise<void> {
  mkdirSync(path.dirname(file), { recursive: true });
  const out = createWriteStream(file);
  const chunk = Buffer.alloc(1 << 20, 0x20);
  out.write('{"format": 1, "pad": "');
  for (let n = 0; n < bytes; n += chunk.length) if (!out.write(chunk)) await once(out, 'drain');
  out.end('"}');
  await once(out, 'finish');
}

const bad: [string, (root: string) => Promise<void> | void, RegExp][] = [
  ['not JSON', (r) => writeManifest(r, BAD, '{"format": 1, "id": '), /manifest\.json in .* is not valid JSON \(/],
  ['JSON of the wrong shape', (r) => writeManifest(r, BAD, { ...manifest(BAD), objects: [{ name: 'x' }], bytes: -1 }), /is not a pgkeep manifest \(.*objects\.0\.kind/],
  ['another backup\'s manifest', (r) => writeManifest(r, BAD, manifest(GOOD)), /describes backup 20261101T000000Z-logical/],
  ['larger than the cap', (r) => writeHuge(path.join(r, 'backups', BAD, 'manifest.json'), MAX_MANIFEST_BYTES + (1 << 20)), /is larger than 16777216 bytes/],
];

describe('a manifest that cannot be used', () => {
  for (const [what, make, msg] of bad)
    it(`(${what}) is refused clearly and makes only its own backup unusable`, async () => {
      const { root, store, env } = repo();
      writeManifest(root, GOOD, manifest(GOOD));
      await make(root);
      await expect(readManifest(store, BAD)).rejects.toMatchObject({ code: 'corrupt-repo', message: expect.stringMatching(msg) });
      const cat = await loadCatalog(store);
      expect(cat.backups.map((b) => b.id)).toEqual([GOOD]);
      expect(cat.broken).toEqual([{ id: BAD, error: expect.stringMatching(msg) }]);
      expect(() => findBackup(cat, BAD)).toThrow(/Backup 20261102T000000Z-logical cannot be used/);
      expect(findBackup(cat, 'latest').id).toBe(GOOD);

      const list = await pgkeep(['list'], env);
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toContain(GOOD);
      expect(list.stdout).toContain(`BROKEN ${BAD} (not restorable): `);
      expect(list.stdout).toMatch(msg);
      const json = await pgkeep(['list', '--json'], env);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout).map((b: { id: string }) => b.id)).toEqual([GOOD]);

      const verify = await pgkeep(['verify', '--checksums-only', '--json'], env);
      expect(verify.code).not.toBe(0);
      const problems = JSON.parse(verify.stdout).problems as { backupId?: string; message: string }[];
      expect(problems).toEqual([{ backupId: BAD, message: expect.stringMatching(msg) }]);

      const restore = await pgkeep(['restore', '--logical', '--database', 'app', '--backup', BAD, '--dry-run'], env);
      expect(restore.code).not.toBe(0);
      expect(restore.stderr).toMatch(/cannot be used/);
    });
});

describe('pgkeep.json that is not ours', () => {
  const cases: [string, (f: string) => Promise<void> | void, RegExp][] = [
    ['not JSON', (f) => writeFileSync(f, '<html>AccessDenied</html>'), /pgkeep\.json in .* is not valid JSON/],
    ['the wrong shape', (f) => writeFileSync(f, JSON.stringify({ format: 2, created: 1 })), /pgkeep\.json in .* is not a pgkeep format 1 file \(format: .*created/],
    ['huge', (f) => writeHuge(f, 2 << 20), /pgkeep\.json in .* is larger than 1048576 bytes/],
  ];
  for (const [what, make, msg] of cases)
    it(`(${what}) is refused with a message that names it`, async () => {
      const { root, store } = repo();
      await make(path.join(root, 'pgkeep.json'));
      await expect(ensureRepoInfo(store, '7300000000000000001')).rejects.toMatchObject({ code: 'corrupt-repo', message: expect.stringMatching(msg) });
    });
});
