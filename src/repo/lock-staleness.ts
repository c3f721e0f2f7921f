// Pure: is a repository lock stale (its holder gone), given the clock, this process's identity
// and a probe of this host's processes? Rules, in order:
// 1. Same host (and boot, and pid namespace): the holder's pid is gone, a zombie (Z) or dead (X),
//    or now belongs to a process started at another time (pid reuse) → stale at once. A killed
//    Node process stays a zombie while its threads are torn down, and kill(pid, 0) succeeds on a
//    zombie: that is why the state is read, not just the pid's existence.
// 2. Anywhere: the lease ran out (the holder stopped renewing it) → stale. A lock written before
//    leases existed has no `expires`: it counts as held for LEGACY_LOCK_HOURS from `since`.
// 3. Otherwise it is held.
import { sameProcessSpace, type HolderIdentity, type ProcProbe } from './lock-holder.js';

export const LEGACY_LOCK_HOURS = 24;

export interface LockInfo extends HolderIdentity {
  name: string;
  /** Random, written by the holder: takeover and release act only on the lock they read. */
  token?: string;
  /** When the lock was taken (ISO-8601). */
  since: string;
  /** When the holder last renewed it, and until when that renewal holds (holder's clock). */
  renewed?: string;
  expires?: string;
  leaseSeconds?: number;
}

export interface Staleness {
  stale: boolean;
  reason: string;
}

export function lockStaleness(l: LockInfo, now: number, here: HolderIdentity, probe: ProcProbe): Staleness {
  if (sameProcessSpace(l, here)) {
    const p = probe(l.pid);
    if (!p) return { stale: true, reason: `its process ${l.pid} on ${l.host} has exited` };
    if (p.state === 'Z' || p.state === 'X') return { stale: true, reason: `its process ${l.pid} on ${l.host} has exited (${p.state === 'Z' ? 'zombie' : 'dead'})` };
    if (l.startTicks && p.startTicks && l.startTicks !== p.startTicks)
      return { stale: true, reason: `its process ${l.pid} on ${l.host} has exited (the pid now belongs to another process)` };
  }
  const expires = l.expires ? Date.parse(l.expires) : Date.parse(l.since) + LEGACY_LOCK_HOURS * 3600_000;
  // An unreadable time cannot prove anything is held: treat it as run out.
  if (!Number.isFinite(expires)) return { stale: true, reason: 'it carries no valid lease time' };
  if (now > expires) return { stale: true, reason: `its lease ran out at ${new Date(expires).toISOString()}` };
  return { stale: false, reason: `held until ${new Date(expires).toISOString()} unless renewed` };
}
