// Builders for catalogs used by the retention and WAL-chain table tests.
import type { Manifest } from '../../../src/repo/manifest.js';
import { walCatalogFromKeys, type WalCatalog } from '../../../src/repo/wal-catalog.js';
import { makeBackupId, walKey } from '../../../src/repo/layout.js';
import { segmentName } from '../../../src/wal/segment.js';

export const DAY = 86400_000;
export const NOW = new Date('2026-06-30T12:00:00Z');
export const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);

let seq = 0;
/** A physical or logical backup starting `d` days before NOW, lasting 10 minutes. */
export function backup(type: Manifest['type'], d: number, o: Partial<Manifest> & { seg?: number; tl?: number } = {}): Manifest {
  const start = daysAgo(d);
  const stop = new Date(start.getTime() + 600_000);
  const tl = o.tl ?? 1;
  const physical = type !== 'logical';
  const seg = BigInt(o.seg ?? ++seq);
  return {
    format: 1,
    id: o.id ?? makeBackupId(start, type),
    type,
    startTime: start.toISOString(),
    stopTime: stop.toISOString(),
    pgVersion: '15.8',
    pgVersionNum: 150008,
    systemIdentifier: '1',
    ...(physical ? { timeline: tl, startWal: segmentName(tl, seg), stopWal: segmentName(tl, seg), startLsn: `0/${(Number(seg) * 0x1000000 + 0x28).toString(16).toUpperCase()}` } : {}),
    bytes: 1000,
    rawBytes: 5000,
    objects: [],
    tool: { name: 'pgkeep', version: 'test' },
    ...o,
  } as Manifest;
}

/** WAL on timeline `tl` for absolute segments [from, to], minus `missing`; 100 bytes each. */
export function walRange(tl: number, from: number, to: number, missing: number[] = []): { key: string; size: number }[] {
  const out: { key: string; size: number }[] = [];
  for (let s = from; s <= to; s++) if (!missing.includes(s)) out.push({ key: walKey(segmentName(tl, BigInt(s))), size: 100 });
  return out;
}

export function walCat(...parts: { key: string; size: number }[][]): WalCatalog {
  return walCatalogFromKeys(parts.flat());
}

export const history = (tl: number) => ({ key: `wal/${tl.toString(16).toUpperCase().padStart(8, '0')}/${tl.toString(16).toUpperCase().padStart(8, '0')}.history.zst`, size: 50 });
