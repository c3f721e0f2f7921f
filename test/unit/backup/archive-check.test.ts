import { describe, expect, it } from 'vitest';
import { archiveCommandRunsPgkeep, archiverFailing } from '../../../src/backup/archive-check.js';

describe('archiverFailing (pg_stat_archiver)', () => {
  const base = { archivedCount: 10, failedCount: 0 };
  it('is false when nothing ever failed', () => {
    expect(archiverFailing({ ...base, lastArchivedTime: '2026-11-26T10:00:00.000Z' })).toBe(false);
  });
  it('is false when a success came after the last failure (a retry that worked)', () => {
    expect(archiverFailing({ ...base, failedCount: 1, lastFailedTime: '2026-11-26T10:00:00.000Z', lastArchivedTime: '2026-11-26T10:00:01.000Z' })).toBe(false);
  });
  it('is true when the last attempt failed, or nothing was ever archived', () => {
    expect(archiverFailing({ ...base, failedCount: 3, lastFailedTime: '2026-11-26T10:00:05.000Z', lastArchivedTime: '2026-11-26T10:00:01.000Z' })).toBe(true);
    expect(archiverFailing({ archivedCount: 0, failedCount: 1, lastFailedTime: '2026-11-26T10:00:05.000Z' })).toBe(true);
  });
});

describe('archiveCommandRunsPgkeep', () => {
  it('recognises pgkeep wal-push, however it is invoked', () => {
    expect(archiveCommandRunsPgkeep('pgkeep wal-push %p')).toBe(true);
    expect(archiveCommandRunsPgkeep("'/usr/bin/node' '/opt/pgkeep/dist/cli/index.js' wal-push --repo 's3://b/p' %p")).toBe(true);
  });
  it('does not claim other archivers (the repository check then decides)', () => {
    expect(archiveCommandRunsPgkeep('test ! -f /mnt/wal/%f && cp %p /mnt/wal/%f')).toBe(false);
    expect(archiveCommandRunsPgkeep('pgbackrest --stanza=main archive-push %p')).toBe(false);
  });
});
