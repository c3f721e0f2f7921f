// What WAL the repository holds: segments by timeline and timeline history files,
// from one listing of wal/. Pure consumers (restore plan, retention plan, verify) take this.
import type { Store } from '../storage/store.js';
import { WAL_PREFIX } from './layout.js';
import { isHistoryName, isSegmentName, parseSegmentName, historyTimeline, DEFAULT_WAL_SEGMENT_SIZE } from '../wal/segment.js';

export interface ArchivedSegment {
  name: string;
  timeline: number;
  segno: bigint;
  key: string;
  size: number;
  /** When it was archived (ISO-8601), where the store reports write times. */
  archivedAt?: string;
}

export interface ArchivedHistory {
  name: string;
  timeline: number;
  key: string;
  size: number;
}

export interface WalCatalog {
  segments: ArchivedSegment[];
  histories: ArchivedHistory[];
  /** Other objects under wal/ (e.g. .backup labels, .partial), kept for verify/retention. */
  other: { key: string; size: number }[];
}

export function walCatalogFromKeys(objs: { key: string; size: number; modified?: string }[], segSize = DEFAULT_WAL_SEGMENT_SIZE): WalCatalog {
  const cat: WalCatalog = { segments: [], histories: [], other: [] };
  for (const o of objs) {
    const file = o.key.slice(o.key.lastIndexOf('/') + 1).replace(/\.zst(\.age)?$/, '');
    if (isSegmentName(file)) {
      const id = parseSegmentName(file, segSize);
      cat.segments.push({ name: file, timeline: id.timeline, segno: id.segno, key: o.key, size: o.size, ...(o.modified ? { archivedAt: o.modified } : {}) });
    } else if (isHistoryName(file)) {
      cat.histories.push({ name: file, timeline: historyTimeline(file), key: o.key, size: o.size });
    } else cat.other.push(o);
  }
  cat.segments.sort((a, b) => a.timeline - b.timeline || (a.segno < b.segno ? -1 : a.segno > b.segno ? 1 : 0));
  cat.histories.sort((a, b) => a.timeline - b.timeline);
  return cat;
}

export async function loadWalCatalog(store: Store, segSize = DEFAULT_WAL_SEGMENT_SIZE): Promise<WalCatalog> {
  return walCatalogFromKeys(await store.list(WAL_PREFIX), segSize);
}
