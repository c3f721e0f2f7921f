// applyRetention against in-memory stores that record every delete: order and copies.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { applyRetention } from '../../../src/retention/apply.js';
import { planRetention } from '../../../src/retention/plan.js';
import { MirrorStore } from '../../../src/storage/mirror-store.js';
import type { ObjectInfo, Store } from '../../../src/storage/store.js';
import { PgkeepError } from '../../../src/util/errors.js';
import { NOW, backup, walCat, walRange } from './catalog-fixture.js';

class MemStore implements Store {
  readonly objects = new Map<string, number>();
  readonly deletes: string[] = [];
  failOn?: string;
  constructor(readonly description: string) {}
  async put(key: string, body: Readable) {
    let n = 0;
    for await (const c of body) n += (c as Buffer).length;
    this.objects.set(key, n);
    return { bytes: n };
  }
  async get(key: string): Promise<Readable> {
    if (!this.objects.has(key)) throw new PgkeepError('not-found', `${key} not found`);
    return Readable.from([Buffer.alloc(this.objects.get(key)!)]);
  }
  async head(key: string): Promise<ObjectInfo | null> {
    return this.objects.has(key) ? { key, size: this.objects.get(key)! } : null;
  }
  async list(prefix: string): Promise<ObjectInfo[]> {
    return [...this.objects.entries()].filter(([k]) => k.startsWith(prefix)).map(([key, size]) => ({ key, size })).sort((a, b) => (a.key < b.key ? -1 : 1));
  }
  async delete(key: string) {
    if (this.failOn && key.includes(this.failOn)) throw new Error('disk on fire');
    this.deletes.push(key);
    this.objects.delete(key);
  }
  async check() {}
}

function setup() {
  const old = backup('full', 60, { seg: 10 });
  const keep = backup('full', 40, { seg: 20 });
  const wal = walRange(1, 10, 25);
  const copies = [new MemStore('a'), new MemStore('b')];
  for (const c of copies) {
    for (const b of [old, keep]) {
      c.objects.set(`backups/${b.id}/manifest.json`, 100);
      c.objects.set(`backups/${b.id}/base.tar.zst`, 1000);
    }
    c.objects.set('backups/20260601T000000Z-full/base.tar.zst', 7); // incomplete, 29 days old
    for (const w of wal) c.objects.set(w.key, w.size);
  }
  const plan = planRetention({ backups: [old, keep], incomplete: [{ id: '20260601T000000Z-full', bytes: 7 }], wal: walCat(wal), now: NOW, retentionDays: 30 });
  return { old, keep, copies, plan, store: new MirrorStore(copies) };
}

describe('applying a retention plan', () => {
  it('deletes each expired manifest first, then its objects, WAL last, on every copy', async () => {
    const { old, keep, copies, plan, store } = setup();
    const r = await applyRetention(store, plan);
    expect(r.deletedBackups).toEqual([old.id]);
    expect(r.deletedIncomplete).toEqual(['20260601T000000Z-full']);
    expect(r.deletedWal).toBe(10);
    for (const c of copies) {
      const d = c.deletes;
      expect(d.indexOf(`backups/${old.id}/manifest.json`)).toBe(0);
      expect(d.indexOf(`backups/${old.id}/base.tar.zst`)).toBeGreaterThan(0);
      const firstWal = d.findIndex((k) => k.startsWith('wal/'));
      expect(firstWal).toBeGreaterThan(d.indexOf(`backups/${old.id}/base.tar.zst`));
      expect(firstWal).toBeGreaterThan(d.indexOf('backups/20260601T000000Z-full/base.tar.zst'));
      expect([...c.objects.keys()].sort()).toEqual(
        [`backups/${keep.id}/base.tar.zst`, `backups/${keep.id}/manifest.json`, ...walRange(1, 20, 25).map((w) => w.key)].sort(),
      );
    }
  });

  it('stops before any WAL when a copy cannot delete a backup object, and the manifest is already gone', async () => {
    const { old, copies, plan, store } = setup();
    copies[1].failOn = 'base.tar.zst';
    await expect(applyRetention(store, plan)).rejects.toThrow();
    for (const c of copies) {
      expect(c.objects.has(`backups/${old.id}/manifest.json`)).toBe(false);
      expect(c.deletes.some((k) => k.startsWith('wal/'))).toBe(false);
    }
  });
});
