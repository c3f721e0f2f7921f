// Writer locks kept in the repository itself (so they work across runners): a backup takes
// `backup-<type>`, expire takes `expire` and refuses while any backup lock is held.
// A lock left by a dead process on this host, or older than maxAgeHours, is stale and taken over.
import os from 'node:os';
import type { Store } from '../storage/store.js';
import { MirrorStore } from '../storage/mirror-store.js';
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';
import { LOCKS_PREFIX, lockKey } from './layout.js';
import { readJson, writeJson } from './catalog.js';

export interface LockInfo {
  name: string;
  host: string;
  pid: number;
  since: string;
}

export interface HeldLock {
  release(): Promise<void>;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isStale(l: LockInfo, now = Date.now(), maxAgeHours = 24): boolean {
  if (l.host === os.hostname() && !pidAlive(l.pid)) return true;
  return now - Date.parse(l.since) > maxAgeHours * 3600_000;
}

export async function listLocks(store: Store): Promise<LockInfo[]> {
  const objs = await store.list(LOCKS_PREFIX);
  const out: LockInfo[] = [];
  for (const o of objs) {
    try {
      out.push((await readJson(store, o.key)) as LockInfo);
    } catch {
      /* vanished between list and read */
    }
  }
  return out;
}

export async function acquireLock(store: Store, name: string, opts: { conflictsWith?: (l: LockInfo) => boolean } = {}): Promise<HeldLock> {
  const key = lockKey(name);
  const mine: LockInfo = { name, host: os.hostname(), pid: process.pid, since: new Date().toISOString() };
  for (const l of await listLocks(store)) {
    if (l.name !== name && opts.conflictsWith?.(l) && !isStale(l)) throw busy(l, store);
  }
  // Each copy of a mirror is locked on its own, in order: a lock left on one copy only (a
  // copy failed mid-write) is then judged on that copy, stale or not, like any other.
  const copies = store instanceof MirrorStore ? store.copies : [store];
  const held: Store[] = [];
  try {
    for (const copy of copies) {
      await lockOne(copy, key, mine);
      held.push(copy);
    }
  } catch (e) {
    await Promise.all(held.map((c) => c.delete(key).catch(() => undefined)));
    throw e;
  }
  return {
    release: async () => {
      await Promise.all(copies.map((c) => c.delete(key).catch(() => undefined)));
    },
  };
}

async function lockOne(store: Store, key: string, mine: LockInfo): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeJson(store, key, mine, true);
      return;
    } catch (e) {
      if (!(e instanceof PgkeepError && e.code === 'exists')) throw e;
      const held = (await readJson(store, key).catch(() => null)) as LockInfo | null;
      if (held && !isStale(held)) throw busy(held, store);
      log.warn(`taking over stale lock ${mine.name} in ${store.description} (held by ${held?.host}:${held?.pid} since ${held?.since})`);
      await store.delete(key);
    }
  }
  throw new PgkeepError('locked', `Could not take lock ${mine.name} in ${store.description}.`);
}

function busy(l: LockInfo, store: Store): PgkeepError {
  return new PgkeepError(
    'locked',
    `Another pgkeep ${l.name} is running on ${l.host} (pid ${l.pid}, since ${l.since}) against ${store.description}.`,
    `Wait for it to finish; if it died, remove ${lockKey(l.name)} from the repository.`,
  );
}
