// Who holds a repository lock, and whether that process still lives. A lock records its
// holder's host name, pid, the kernel's boot id, its pid namespace and the process start time
// (field 22 of /proc/PID/stat): on the same boot and pid namespace the pid can then be checked
// for certain, even after pid reuse or in a container that shares the host's name.
import { readFileSync, readlinkSync } from 'node:fs';
import os from 'node:os';

export interface HolderIdentity {
  host: string;
  pid: number;
  /** /proc/sys/kernel/random/boot_id: changes with every boot. */
  bootId?: string;
  /** The pid namespace (`pid:[4026531836]`): a pid means something only inside its namespace. */
  pidNs?: string;
  /** Process start time in clock ticks since boot (field 22 of /proc/PID/stat). */
  startTicks?: string;
}

/** What /proc says about a pid: null when there is no such process. */
export interface ProcState {
  /** R, S, D, T, Z (zombie), X (dead), … ; '?' where /proc is not available. */
  state: string;
  startTicks?: string;
}

export type ProcProbe = (pid: number) => ProcState | null;

function readOr<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    return undefined;
  }
}

/** Parses /proc/PID/stat: the command name (field 2) may hold spaces and ')', so split after the last ')'. */
export function parseProcStat(stat: string): ProcState {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
  // rest[0] is field 3 (state); field 22 (starttime) is rest[19].
  return { state: rest[0] ?? '?', startTicks: rest[19] };
}

/**
 * /proc speaks for this process's pid namespace only when /proc/self is our own pid. A sandbox
 * that made a new pid namespace without mounting its own /proc (`unshare --pid --fork`) shows
 * the outer namespace's numbers there: /proc/<our pid> is then absent or another process, and
 * reading it would call a live holder dead. Such a /proc is not used; kill(pid, 0) is.
 */
export function procMatchesPidNamespace(): boolean {
  return readOr(() => readlinkSync('/proc/self')) === String(process.pid) && readOr(() => readFileSync('/proc/self/stat', 'utf8')) !== undefined;
}

const hasProc = procMatchesPidNamespace();

/** This host's view of a pid. Without /proc (not Linux), kill(pid, 0) is all there is. */
export const probeProcess: ProcProbe = (pid) => {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  if (hasProc) {
    try {
      return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ESRCH') return null;
      return { state: '?' };
    }
  }
  try {
    process.kill(pid, 0);
    return { state: '?' };
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? { state: '?' } : null;
  }
};

let self: HolderIdentity | undefined;

/** The identity this process writes into its locks. */
export function thisProcess(): HolderIdentity {
  if (self && self.pid === process.pid) return self;
  const bootId = readOr(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  const pidNs = readOr(() => readlinkSync('/proc/self/ns/pid'));
  const startTicks = hasProc ? probeProcess(process.pid)?.startTicks : undefined;
  self = {
    host: os.hostname(),
    pid: process.pid,
    ...(bootId ? { bootId } : {}),
    ...(pidNs ? { pidNs } : {}),
    ...(startTicks ? { startTicks } : {}),
  };
  return self;
}

/**
 * Whether `holder`'s pid can be judged here: same host name, and the same boot and pid
 * namespace wherever both sides recorded them (a lock from before leases has only the name).
 */
export function sameProcessSpace(holder: HolderIdentity, here: HolderIdentity): boolean {
  if (holder.host !== here.host) return false;
  if (holder.bootId && here.bootId && holder.bootId !== here.bootId) return false;
  if (holder.pidNs && here.pidNs && holder.pidNs !== here.pidNs) return false;
  return true;
}
