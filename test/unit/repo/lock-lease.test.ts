// Leases through the real file store: renewal, loss (and what a loss stops), ownership on
// release and takeover, and the same-host zombie that the old kill(pid, 0) check took for alive.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { FsStore } from '../../../src/storage/fs-store.js';
import { MirrorStore } from '../../../src/storage/mirror-store.js';
import { acquireLock, type LockInfo } from '../../../src/repo/lock.js';
import { procMatchesPidNamespace, thisProcess } from '../../../src/repo/lock-holder.js';
import { readJson, writeJson } from '../../../src/repo/catalog.js';
import { lockKey } from '../../../src/repo/layout.js';
import type { Store } from '../../../src/storage/store.js';

const tmpStore = () => new FsStore(mkdtempSync(path.join(os.tmpdir(), 'pgkeep-lease-')));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const KEY = lockKey('backup-full');
const read = (s: Store) => readJson(s, KEY) as Promise<LockInfo>;
const iso = (ms: number) => new Date(ms).toISOString();

function foreign(over: Partial<LockInfo> = {}): LockInfo {
  return { name: 'backup-full', token: 'other', host: 'ephemeral-runner-7', pid: 1234, since: iso(Date.now()), expires: iso(Date.now() + 120_000), ...over };
}

/**
 * A process killed with SIGKILL and left unreaped. Its parent is perl (Essential on Debian), which
 * never calls wait(): a `sh -c 'sleep & ...; exec sleep'` parent could reap the child itself when the
 * kill landed before its exec, and the test then read a /proc entry that was gone (seen in CI).
 */
async function zombie(): Promise<{ pid: number; startTicks: string; done: () => void }> {
  const parent = spawn('perl', ['-e', '$| = 1; my $p = fork(); if (!$p) { sleep 600; exit 0 } print "$p\n"; sleep 600'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  try {
    let out = '';
    const pid = await new Promise<number>((resolve, reject) => {
      parent.once('error', reject);
      parent.once('exit', (code) => reject(new Error(`zombie parent exited (${code}) before naming its child`)));
      parent.stdout.on('data', (d) => {
        out += String(d);
        if (out.includes('\n')) resolve(Number(out.trim()));
      });
    });
    const stat = () => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const startTicks = stat()[19];
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 500 && stat()[0] !== 'Z'; i++) await sleep(10);
    expect(stat()[0]).toBe('Z');
    return { pid, startTicks, done: () => parent.kill('SIGKILL') };
  } catch (e) {
    parent.kill('SIGKILL');
    throw e;
  }
}

describe('lock leases', () => {
  // Without a /proc of this pid namespace (a sandbox's unshared pids), zombies cannot be seen;
  // the lease alone applies there (probeProcess falls back to kill(pid, 0)).
  it.skipIf(process.platform !== 'linux' || !procMatchesPidNamespace())('takes over at once a lock whose same-host holder is a zombie (kill(pid, 0) still succeeds on it)', async () => {
    const z = await zombie();
    try {
      expect(() => process.kill(z.pid, 0)).not.toThrow();
      const s = tmpStore();
      await writeJson(s, KEY, { ...foreign(), ...thisProcess(), pid: z.pid, startTicks: z.startTicks, token: 'dead' });
      const l = await acquireLock(s, 'backup-full');
      expect((await read(s)).token).not.toBe('dead');
      await l.release();
    } finally {
      z.done();
    }
  });

  it('takes over at once a same-host lock whose pid now belongs to a process started at another time', async () => {
    const s = tmpStore();
    // Our own pid is alive, but the recorded start time is not ours: the pid was reused.
    await writeJson(s, KEY, { ...foreign(), ...thisProcess(), startTicks: '1', token: 'old' });
    const l = await acquireLock(s, 'backup-full');
    await l.release();
  });

  it('refuses a live lock from another runner until its lease runs out, then takes it over', async () => {
    const s = tmpStore();
    await writeJson(s, KEY, foreign());
    await expect(acquireLock(s, 'backup-full')).rejects.toThrow(/Another pgkeep backup-full is running on ephemeral-runner-7 \(pid 1234/);
    await writeJson(s, KEY, foreign({ expires: iso(Date.now() - 1) }));
    const l = await acquireLock(s, 'backup-full');
    expect((await read(s)).host).toBe(os.hostname());
    await l.release();
  });

  it('renews its lease while held, so a long run keeps it; release removes it', async () => {
    const s = tmpStore();
    const l = await acquireLock(s, 'backup-full', { leaseMs: 400, refreshMs: 50 });
    const first = await read(s);
    expect(first.token).toMatch(/^[0-9a-f]{32}$/);
    expect(Date.parse(first.expires!) - Date.parse(first.renewed!)).toBe(400);
    await sleep(700); // longer than the lease
    const later = await read(s);
    expect(later.token).toBe(first.token);
    expect(Date.parse(later.expires!)).toBeGreaterThan(Date.now());
    // Seen from another runner (lease only) it is still held.
    await writeJson(s, 'locks/probe.lock', { ...later, host: 'elsewhere', name: 'probe' });
    await expect(acquireLock(s, 'probe')).rejects.toMatchObject({ code: 'locked' });
    l.assertHeld();
    await l.confirm();
    await l.release();
    expect(await s.head(KEY)).toBeNull();
  });

  it('a holder that finds its lock taken over stops: writes fail, an upload in flight is cut, confirm throws, and release leaves the new lock alone', async () => {
    const s = tmpStore();
    const l = await acquireLock(s, 'backup-full', { leaseMs: 1000, refreshMs: 40 });
    const guarded = l.guard(s);
    const body = new PassThrough();
    body.write(Buffer.alloc(1024));
    const upload = guarded.put('backups/x/base.tar.zst', body);
    await writeJson(s, KEY, foreign({ token: 'usurper' }));
    await expect(upload).rejects.toMatchObject({ code: 'lock-lost' });
    expect(l.signal.aborted).toBe(true);
    expect(() => l.assertHeld()).toThrow(/lost its backup-full lock .*taken over by ephemeral-runner-7 pid 1234/);
    await expect(guarded.put('backups/x/other', Readable.from([Buffer.from('x')]))).rejects.toMatchObject({ code: 'lock-lost' });
    await expect(guarded.delete('backups/x/other')).rejects.toMatchObject({ code: 'lock-lost' });
    await expect(l.confirm()).rejects.toMatchObject({ code: 'lock-lost' });
    expect(await s.head('backups/x/base.tar.zst')).toBeNull();
    await l.release();
    expect((await read(s)).token).toBe('usurper');
  });

  it('a holder whose lock object was removed notices at its next renewal', async () => {
    const s = tmpStore();
    const l = await acquireLock(s, 'backup-full', { leaseMs: 1000, refreshMs: 40 });
    await s.delete(KEY);
    await sleep(150);
    expect(() => l.assertHeld()).toThrow(/its lock object was removed/);
    await l.release();
  });

  it('renewals that keep failing make the lock lost once its lease has run out, not before', async () => {
    const inner = tmpStore();
    let failing = false;
    const flaky: Store = Object.assign(Object.create(inner) as FsStore, {
      get: (k: string) => (failing ? Promise.reject(new Error('connection reset')) : inner.get(k)),
    });
    const l = await acquireLock(flaky, 'backup-full', { leaseMs: 300, refreshMs: 40 });
    failing = true;
    await sleep(120);
    l.assertHeld(); // a failed renewal alone is not a loss…
    await expect(l.confirm()).rejects.toMatchObject({ code: 'lock-unconfirmed' }); // …but no proof to commit on
    await sleep(400);
    expect(() => l.assertHeld()).toThrow(/lease ran out at .* before it was renewed; the last renewal failed: connection reset/);
    failing = false;
    await l.release();
  });

  it('a holder stalled past its lease gives up instead of writing over a possible new holder', async () => {
    const s = tmpStore();
    const l = await acquireLock(s, 'backup-full', { leaseMs: 100, refreshMs: 60_000 });
    await sleep(150); // no renewal ran in time
    await expect(l.confirm()).rejects.toThrow(/lease ran out at .* before it was renewed/);
    await l.release();
  });

  it('release never removes a lock that is no longer its own', async () => {
    const s = tmpStore();
    const l = await acquireLock(s, 'backup-full', { refreshMs: 60_000 });
    await writeJson(s, KEY, foreign({ token: 'next-holder' }));
    await l.release();
    expect((await read(s)).token).toBe('next-holder');
  });

  it('of several pgkeeps taking over one stale lock at once, exactly one wins', async () => {
    for (let round = 0; round < 15; round++) {
      const s = tmpStore();
      await writeJson(s, KEY, foreign({ expires: iso(Date.now() - 1000), token: `stale-${round}` }));
      const tries = await Promise.allSettled([0, 1, 2, 3].map(() => acquireLock(s, 'backup-full', { refreshMs: 60_000 })));
      const won = tries.filter((t) => t.status === 'fulfilled');
      expect(won.length, `round ${round}`).toBe(1);
      for (const t of tries) if (t.status === 'rejected') expect(t.reason).toMatchObject({ code: 'locked' });
      const holder = await read(s);
      expect(holder.token).not.toBe(`stale-${round}`);
      for (const w of won) await w.value.release();
      expect(await s.head(KEY)).toBeNull();
      expect((await s.list('locks/')).map((o) => o.key)).toEqual([]);
    }
  });

  it('expire refuses beside a live backup lock and leaves no lock of its own; a stale one does not block it', async () => {
    const s = tmpStore();
    const conflicts = { conflictsWith: (l: LockInfo) => l.name.startsWith('backup') };
    await writeJson(s, KEY, foreign());
    await expect(acquireLock(s, 'expire', conflicts)).rejects.toThrow(/Another pgkeep backup-full is running/);
    expect(await s.head(lockKey('expire'))).toBeNull();
    await writeJson(s, KEY, foreign({ expires: iso(Date.now() - 1) }));
    const l = await acquireLock(s, 'expire', conflicts);
    await l.release();
  });

  it('on a mirror, a lost lock on any copy is a loss', async () => {
    const a = tmpStore();
    const b = tmpStore();
    const m = new MirrorStore([a, b]);
    const l = await acquireLock(m, 'backup-full', { refreshMs: 40 });
    expect((await read(a)).token).toBe((await read(b)).token);
    const guarded = l.guard(m);
    expect(guarded).toBeInstanceOf(MirrorStore);
    await writeJson(b, KEY, foreign({ token: 'usurper' }));
    await sleep(150);
    await expect(guarded.delete('backups/y/z')).rejects.toMatchObject({ code: 'lock-lost' });
    await l.release();
    expect(await a.head(KEY)).toBeNull();
    expect((await read(b)).token).toBe('usurper');
  });
});
