// Writer locks kept in the repository itself (so they work across runners): a backup takes
// `backup-<type>`, expire takes `expire` and refuses while a live backup lock is held.
// Locks are leases: the holder renews its lock every REFRESH_SECONDS and a lock not renewed for
// LEASE_SECONDS is stale wherever it was taken (ephemeral runners never come back to remove
// their own); on the same host a holder that has exited is stale at once (rules and why in
// lock-staleness.ts). Every lock carries a random token: renewal, takeover and release act only
// on the lock they read, so a pgkeep never removes another's lock, and one that finds its own
// lock gone stops rather than carrying on unprotected.
import { createHash, randomBytes } from 'node:crypto';
import type { Store } from '../storage/store.js';
import { MirrorStore } from '../storage/mirror-store.js';
import { PgkeepError } from '../util/errors.js';
import { log } from '../util/log.js';
import { LOCKS_PREFIX, lockKey } from './layout.js';
import { readJson, writeJson } from './catalog.js';
import { probeProcess, thisProcess, type ProcProbe } from './lock-holder.js';
import { lockStaleness, type LockInfo, type Staleness } from './lock-staleness.js';
import { guardStore } from './lock-guard.js';

export type { LockInfo } from './lock-staleness.js';

/** A lock not renewed for this long is stale on any runner. */
export const LEASE_SECONDS = 180;
/** How often the holder renews: several renewals fit in one lease, so one slow write is harmless. */
export const REFRESH_SECONDS = 30;

export interface LockOptions {
  /** Another lock that keeps this one from being taken while it is live (expire vs backups). */
  conflictsWith?: (l: LockInfo) => boolean;
  leaseMs?: number;
  refreshMs?: number;
  /** Tests: this host's processes. */
  probe?: ProcProbe;
}

export interface HeldLock {
  readonly name: string;
  /** Aborted (with the `lock-lost` error) once the lock is found no longer ours. */
  readonly signal: AbortSignal;
  /** Throws `lock-lost` when a renewal found the lock gone or taken over. */
  assertHeld(): void;
  /** Renews now on every copy and throws `lock-lost` unless the lock is still ours: call before committing. */
  confirm(): Promise<void>;
  /** `store` whose writes and deletes fail (in-flight uploads included) once the lock is lost. */
  guard<S extends Store>(store: S): S;
  /** Stops renewing and removes the lock from every copy where it is still ours. Never throws. */
  release(): Promise<void>;
}

const isLockKey = (key: string) => key.endsWith('.lock');

/** Judges a lock the way acquireLock does (this host, the real clock). */
export function isStale(l: LockInfo, now = Date.now(), probe: ProcProbe = probeProcess): boolean {
  return lockStaleness(l, now, thisProcess(), probe).stale;
}

/** Every lock in the store (on a mirror: in every copy), takeover markers left out. */
export async function listLocks(store: Store): Promise<LockInfo[]> {
  const out: LockInfo[] = [];
  for (const copy of copiesOf(store)) {
    for (const o of (await copy.list(LOCKS_PREFIX)).filter((o) => isLockKey(o.key))) {
      const l = await readLock(copy, o.key).catch(() => null);
      if (l) out.push(l);
    }
  }
  return out;
}

function copiesOf(store: Store): Store[] {
  // Each copy of a mirror is locked on its own, in order: a lock left on one copy only (a copy
  // failed mid-write) is then judged on that copy, stale or not, like any other.
  return store instanceof MirrorStore ? store.copies : [store];
}

/**
 * The lock at `key`, null when absent. Some S3-protocol servers (s3rver) rewrite an object in
 * place, so a read during its holder's renewal can see half of it: read again before giving up.
 */
async function readLock(store: Store, key: string): Promise<LockInfo | null> {
  for (let attempt = 0; ; attempt++) {
    try {
      return (await readJson(store, key)) as LockInfo;
    } catch (e) {
      if (e instanceof PgkeepError && e.code === 'not-found') return null;
      if (!(e instanceof PgkeepError && e.code === 'corrupt-repo') || attempt >= 4) throw e;
      await new Promise((r) => setTimeout(r, 25 * (attempt + 1)));
    }
  }
}

/** The lock's identity: its token, or for a lock from before tokens, a digest of its content. */
function fingerprint(l: LockInfo): string {
  return l.token ?? createHash('sha256').update(JSON.stringify(l)).digest('hex').slice(0, 32);
}

export async function acquireLock(store: Store, name: string, opts: LockOptions = {}): Promise<HeldLock> {
  const leaseMs = opts.leaseMs ?? LEASE_SECONDS * 1000;
  const refreshMs = opts.refreshMs ?? REFRESH_SECONDS * 1000;
  const probe = opts.probe ?? probeProcess;
  const key = lockKey(name);
  const now = new Date();
  const mine: LockInfo = { name, token: randomBytes(16).toString('hex'), ...thisProcess(), since: now.toISOString(), leaseSeconds: leaseMs / 1000 };
  const stamp = () => {
    const t = Date.now();
    mine.renewed = new Date(t).toISOString();
    mine.expires = new Date(t + leaseMs).toISOString();
    return t + leaseMs;
  };
  const judge = (l: LockInfo): Staleness => lockStaleness(l, Date.now(), thisProcess(), probe);
  const copies = copiesOf(store);
  const held: Store[] = [];
  let validUntil = 0;
  const dropOwn = () => Promise.all(held.map((c) => removeIfMine(c, key, mine.token!)));
  try {
    for (const copy of copies) {
      const until = await lockOne(copy, key, mine, stamp, judge, leaseMs);
      validUntil = validUntil ? Math.min(validUntil, until) : until;
      held.push(copy);
    }
    // Conflicts are checked after our own lock is written: of two conflicting commands that
    // start together, at least one then sees the other (at worst both refuse; neither runs unprotected).
    if (opts.conflictsWith) {
      for (const l of await listLocks(store)) {
        if (l.name === name || !opts.conflictsWith(l)) continue;
        if (!judge(l).stale) throw busy(l, store);
      }
    }
  } catch (e) {
    await dropOwn();
    throw e;
  }

  const ctl = new AbortController();
  let lost: PgkeepError | undefined;
  let released = false;
  const markLost = (copy: Store, why: string) => {
    if (lost) return;
    lost = new PgkeepError(
      'lock-lost',
      `pgkeep lost its ${name} lock in ${copy.description} (${why}) and stopped rather than continue unprotected.`,
      `Another pgkeep may have taken over after this one stopped renewing its lease (${leaseMs / 1000} s); check what runs against the repository, then run again.`,
    );
    log.warn(lost.message);
    clearInterval(timer);
    ctl.abort(lost);
  };

  let renewing: Promise<void> | undefined;
  /** The last renewal's failure (undefined when it reached every copy). */
  let failure: unknown;
  const ranOut = () =>
    `its lease ran out at ${new Date(validUntil).toISOString()} before it was renewed${failure ? `; the last renewal failed: ${(failure as Error).message}` : ''}`;
  const renew = (): Promise<void> => {
    renewing ??= (async () => {
      // Stalled past its lease (suspended, event loop blocked): another pgkeep may rightly have
      // taken over, so give up rather than write over its lock.
      if (Date.now() >= validUntil) return markLost(copies[0], ranOut());
      const until = stamp();
      failure = undefined;
      for (const copy of copies) {
        try {
          const cur = await readLock(copy, key);
          if (!cur) return markLost(copy, 'its lock object was removed');
          if (cur.token !== mine.token)
            return markLost(copy, `it was taken over by ${cur.host} pid ${cur.pid} at ${cur.since}`);
          await writeJson(copy, key, mine);
        } catch (e) {
          failure ??= e;
        }
      }
      if (!failure) validUntil = until;
      else if (Date.now() >= validUntil) markLost(copies[0], ranOut());
      else log.warn(`could not renew the ${name} lock (${(failure as Error).message}); retrying until its lease runs out at ${new Date(validUntil).toISOString()}`);
    })().finally(() => (renewing = undefined));
    return renewing;
  };
  // unref'd: the lease must never keep a finished command's process alive.
  const timer = setInterval(() => void renew().catch(() => undefined), refreshMs);
  timer.unref();

  const assertHeld = () => {
    if (lost) throw lost;
    if (released) throw new PgkeepError('lock-lost', `The ${name} lock was already released.`);
  };
  return {
    name,
    signal: ctl.signal,
    assertHeld,
    confirm: async () => {
      assertHeld();
      await renew();
      assertHeld();
      // A commit needs proof, not hope: a renewal that did not reach every copy is no proof.
      if (failure)
        throw new PgkeepError(
          'lock-unconfirmed',
          `pgkeep could not confirm it still holds its ${name} lock (${(failure as Error).message}), so it did not commit.`,
          'Check that the repository is reachable and run again.',
        );
    },
    guard: <S extends Store>(s: S) => guardStore(s, ctl.signal, assertHeld),
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(timer);
      await renewing?.catch(() => undefined);
      await Promise.all(copies.map((c) => removeIfMine(c, key, mine.token!)));
    },
  };
}

/** Writes `mine` into one copy, taking over a stale lock; returns until when the lease holds. */
async function lockOne(
  store: Store,
  key: string,
  mine: LockInfo,
  stamp: () => number,
  judge: (l: LockInfo) => Staleness,
  leaseMs: number,
): Promise<number> {
  for (let attempt = 0; attempt < 4; attempt++) {
    const until = stamp();
    try {
      await writeJson(store, key, mine, true);
      return until;
    } catch (e) {
      if (!(e instanceof PgkeepError && e.code === 'exists')) throw e;
    }
    const held = await readLock(store, key).catch(() => null);
    if (!held) continue; // released between our write and our read: try again
    const verdict = judge(held);
    if (!verdict.stale) throw busy(held, store);
    await takeOver(store, key, held, verdict.reason, mine, leaseMs);
  }
  throw new PgkeepError('locked', `Could not take lock ${mine.name} in ${store.description}: it kept changing hands.`, 'Another pgkeep is starting at the same time; run again.');
}

/**
 * Removes the stale lock `held`, and only it: of several pgkeeps that found it stale at once,
 * the one that creates the takeover marker (a create-if-absent write) removes it; the others
 * then find the winner's fresh lock. The marker is named after the stale lock's token, so a
 * marker left by a pgkeep killed mid-takeover blocks only that one stale lock, and only for a
 * lease.
 */
async function takeOver(store: Store, key: string, held: LockInfo, reason: string, mine: LockInfo, leaseMs: number): Promise<void> {
  const marker = `${key}.takeover-${fingerprint(held)}`;
  try {
    await writeJson(store, marker, { token: mine.token, host: mine.host, pid: mine.pid, since: new Date().toISOString() }, true);
  } catch (e) {
    if (!(e instanceof PgkeepError && e.code === 'exists')) throw e;
    const m = (await readJson(store, marker).catch(() => null)) as { since?: string } | null;
    if (m?.since && Date.now() - Date.parse(m.since) < leaseMs)
      throw new PgkeepError('locked', `Another pgkeep is taking over the stale ${held.name} lock in ${store.description} right now.`, 'Run again in a moment.');
    await store.delete(marker); // left by a pgkeep that died while taking over
    return;
  }
  try {
    const again = await readLock(store, key);
    if (again && fingerprint(again) === fingerprint(held)) {
      log.warn(`taking over the ${held.name} lock in ${store.description}: ${reason} (held by ${held.host} pid ${held.pid} since ${held.since})`);
      await store.delete(key);
    }
  } finally {
    await store.delete(marker).catch(() => undefined);
  }
}

/** Removes our own lock; a lock that is no longer ours is left to its holder. */
async function removeIfMine(store: Store, key: string, token: string): Promise<void> {
  try {
    const cur = await readLock(store, key);
    if (!cur) return;
    if (cur.token !== token) {
      log.warn(`the ${cur.name} lock in ${store.description} is now held by ${cur.host} pid ${cur.pid}: left in place`);
      return;
    }
    await store.delete(key);
  } catch (e) {
    log.warn(`could not remove ${key} from ${store.description} (${(e as Error).message}); its lease runs out on its own`);
  }
}

function busy(l: LockInfo, store: Store): PgkeepError {
  const until = l.expires ? `, lease renewed until ${l.expires}` : '';
  return new PgkeepError(
    'locked',
    `Another pgkeep ${l.name} is running on ${l.host} (pid ${l.pid}, since ${l.since}${until}) against ${store.description}.`,
    `Wait for it to finish. If it died, its lock goes stale on its own once its lease runs out (at once on the same host); remove ${lockKey(l.name)} by hand only if you are sure nothing runs.`,
  );
}
