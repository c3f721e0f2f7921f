// Repository format v1: where every object lives. The README documents the same layout so a
// restore works with standard tools alone; change both together and bump FORMAT_VERSION.

export const FORMAT_VERSION = 1;
export const REPO_INFO_KEY = 'pgkeep.json';
export const BACKUPS_PREFIX = 'backups/';
export const WAL_PREFIX = 'wal/';
export const LOCKS_PREFIX = 'locks/';

export type BackupType = 'logical' | 'full' | 'incr';

export const backupPrefix = (id: string) => `${BACKUPS_PREFIX}${id}/`;
export const manifestKey = (id: string) => `${BACKUPS_PREFIX}${id}/manifest.json`;
export const backupObjectKey = (id: string, name: string) => `${BACKUPS_PREFIX}${id}/${name}`;

/** `000000010000000000000003` → timeline directory `00000001`. */
export const walTimelineDir = (segmentOrHistory: string) => segmentOrHistory.slice(0, 8);
/** WAL segments and timeline history files, compressed: `wal/00000001/000000010000000000000003.zst`. */
export const walKey = (fileName: string) => `${WAL_PREFIX}${walTimelineDir(fileName)}/${fileName}.zst`;
/** The same, age-encrypted (PGKEEP_AGE_RECIPIENTS): `wal/00000001/000000010000000000000003.zst.age`. */
export const walKeyEncrypted = (fileName: string) => `${walKey(fileName)}.age`;
export const lockKey = (name: string) => `${LOCKS_PREFIX}${name}.lock`;

/** Ids sort by time: `20261125T020000Z-full`. */
export function makeBackupId(at: Date, type: BackupType): string {
  const s = at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `${s}-${type}`;
}

const ID_RE = /^(\d{8}T\d{6}Z)-(logical|full|incr)$/;
export function parseBackupId(id: string): { time: Date; type: BackupType } | null {
  const m = ID_RE.exec(id);
  if (!m) return null;
  const t = m[1];
  const iso = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(9, 11)}:${t.slice(11, 13)}:${t.slice(13, 15)}Z`;
  return { time: new Date(iso), type: m[2] as BackupType };
}
