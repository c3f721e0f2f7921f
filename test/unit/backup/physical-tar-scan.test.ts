import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TarScan, parseBackupLabel, parseManifestWalRange } from '../../../src/backup/tar-scan.js';

const LABEL = `START WAL LOCATION: 0/2000028 (file 000000010000000000000002)
CHECKPOINT LOCATION: 0/2000060
BACKUP METHOD: streamed
BACKUP FROM: primary
START TIME: 2026-11-25 13:00:00 UTC
LABEL: pgkeep 20261125T130000Z-full
START TIMELINE: 1
`;

function manifest(files: number): string {
  const lines = Array.from({ length: files }, (_, i) => `{ "Path": "base/5/${16384 + i}", "Size": 8192, "Last-Modified": "2026-11-25 13:00:00 GMT", "Checksum-Algorithm": "CRC32C", "Checksum": "deadbeef" },`);
  return `{ "PostgreSQL-Backup-Manifest-Version": 1,\n"Files": [\n${lines.join('\n')}\n],\n"WAL-Ranges": [\n{ "Timeline": 1, "Start-LSN": "0/2000028", "End-LSN": "0/2000100" }\n],\n"Manifest-Checksum": "abc"}\n`;
}

/** A real tar (GNU tar, ustar format) with a data file, backup_label and a large backup_manifest. */
function makeTar(): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgkeep-tar-'));
  try {
    mkdirSync(path.join(dir, 'base/5'), { recursive: true });
    writeFileSync(path.join(dir, 'base/5/16384'), Buffer.alloc(100_000, 7));
    writeFileSync(path.join(dir, 'backup_label'), LABEL);
    writeFileSync(path.join(dir, 'backup_manifest'), manifest(20_000));
    execFileSync('tar', ['--format=ustar', '-cf', path.join(dir, 'x.tar'), '-C', dir, 'base', 'backup_label', 'backup_manifest']);
    return readFileSync(path.join(dir, 'x.tar'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function scan(tar: Buffer, chunk: number): Promise<TarScan> {
  const s = new TarScan(new Set(['backup_label']), 1 << 20, new Map([['backup_manifest', 4096]]));
  const parts: Buffer[] = [];
  for (let i = 0; i < tar.length; i += chunk) parts.push(tar.subarray(i, i + chunk));
  await pipeline(Readable.from(parts), s, new Writable({ write: (_c, _e, cb) => cb() }));
  return s;
}

describe('tar scan of a base backup stream', () => {
  const tar = makeTar();
  for (const chunk of [1, 511, 4096, 65536]) {
    it(`captures backup_label and the tail of backup_manifest with ${chunk}-byte chunks`, async () => {
      const s = await scan(chunk === 1 ? tar.subarray(0, tar.length) : tar, chunk === 1 ? 997 : chunk);
      const label = parseBackupLabel(s.captured.get('backup_label')!.toString());
      expect(label).toMatchObject({ startLsn: '0/2000028', startWal: '000000010000000000000002', timeline: 1, label: 'pgkeep 20261125T130000Z-full' });
      const tail = s.captured.get('backup_manifest')!;
      expect(tail.length).toBe(4096);
      expect(parseManifestWalRange(tail.toString())).toEqual({ timeline: 1, startLsn: '0/2000028', endLsn: '0/2000100' });
    });
  }
  it('reports no label when the stream has none', () => {
    expect(parseBackupLabel('not a label')).toBeNull();
    expect(parseManifestWalRange('{"Files": []}')).toBeNull();
  });
});
