import { describe, expect, it } from 'vitest';
import { lockStaleness, type LockInfo } from '../../../src/repo/lock-staleness.js';
import { parseProcStat, type HolderIdentity, type ProcProbe } from '../../../src/repo/lock-holder.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const here: HolderIdentity = { host: 'runner-a', pid: 100, bootId: 'boot-1', pidNs: 'pid:[1]', startTicks: '5000' };
const iso = (ms: number) => new Date(ms).toISOString();

function lock(over: Partial<LockInfo> = {}): LockInfo {
  return {
    name: 'backup-full',
    token: 't1',
    host: 'runner-a',
    pid: 4242,
    bootId: 'boot-1',
    pidNs: 'pid:[1]',
    startTicks: '777',
    since: iso(NOW - 60_000),
    renewed: iso(NOW - 10_000),
    expires: iso(NOW + 170_000),
    leaseSeconds: 180,
    ...over,
  };
}

const alive: ProcProbe = () => ({ state: 'S', startTicks: '777' });
const gone: ProcProbe = () => null;
const state = (s: string): ProcProbe => () => ({ state: s, startTicks: '777' });
const judge = (l: LockInfo, probe: ProcProbe, now = NOW) => lockStaleness(l, now, here, probe);

describe('lock staleness rules', () => {
  it('a live holder on this host with a running lease holds the lock', () => {
    expect(judge(lock(), alive)).toMatchObject({ stale: false });
    expect(judge(lock(), state('R')).stale).toBe(false);
    expect(judge(lock(), state('D')).stale).toBe(false);
  });

  it('a same-host holder whose process is gone is stale at once, lease or not', () => {
    expect(judge(lock(), gone)).toEqual({ stale: true, reason: 'its process 4242 on runner-a has exited' });
  });

  it('a same-host holder that is a zombie (Z) or dead (X) is stale at once: kill(pid, 0) would still succeed', () => {
    expect(judge(lock(), state('Z'))).toMatchObject({ stale: true, reason: expect.stringMatching(/zombie/) });
    expect(judge(lock(), state('X'))).toMatchObject({ stale: true, reason: expect.stringMatching(/dead/) });
  });

  it('a same-host pid now used by a process started at another time (pid reuse) is stale at once', () => {
    expect(judge(lock(), () => ({ state: 'S', startTicks: '9999' }))).toMatchObject({ stale: true, reason: expect.stringMatching(/another process/) });
  });

  it('a same-host holder that is alive but stopped renewing is stale once its lease ran out', () => {
    expect(judge(lock(), alive, NOW + 170_001)).toMatchObject({ stale: true, reason: expect.stringMatching(/lease ran out/) });
  });

  it('another host is judged by its lease alone: this host\'s pids say nothing about it', () => {
    const other = lock({ host: 'runner-b', bootId: 'boot-9', pidNs: 'pid:[9]' });
    const noProbe: ProcProbe = () => {
      throw new Error('must not probe another host');
    };
    expect(judge(other, noProbe).stale).toBe(false);
    expect(judge(other, noProbe, NOW + 170_001).stale).toBe(true);
  });

  it('the same host name on another boot or in another pid namespace is judged by its lease only', () => {
    expect(judge(lock({ bootId: 'boot-0' }), gone).stale).toBe(false);
    expect(judge(lock({ pidNs: 'pid:[2]' }), gone).stale).toBe(false);
    expect(judge(lock({ bootId: 'boot-0' }), gone, NOW + 170_001).stale).toBe(true);
  });

  it('a lock from before leases (no expires, no boot id) holds for 24 h unless its same-host process is gone', () => {
    const legacy: LockInfo = { name: 'backup-full', host: 'runner-b', pid: 1, since: iso(NOW - 23 * 3600_000) };
    expect(judge(legacy, alive).stale).toBe(false);
    expect(judge({ ...legacy, since: iso(NOW - 25 * 3600_000) }, alive).stale).toBe(true);
    expect(judge({ ...legacy, host: 'runner-a' }, state('Z')).stale).toBe(true);
  });

  it('a lock with an unreadable lease time is stale', () => {
    expect(judge(lock({ host: 'runner-b', expires: 'soon' }), alive).stale).toBe(true);
  });
});

describe('/proc/PID/stat parsing', () => {
  it('reads the state and the start time (field 22) even when the command name holds spaces and parentheses', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = 'Z';
    fields[19] = '123456';
    expect(parseProcStat(`4242 (node ) (x) y) ${fields.join(' ')}\n`)).toEqual({ state: 'Z', startTicks: '123456' });
  });
});
