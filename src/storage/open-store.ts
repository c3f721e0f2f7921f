// Build the Store for a configuration: one location → its driver; several → a mirror.
import type { Config } from '../config/config.js';
import type { RepoLocation } from '../config/repo-url.js';
import { FsStore } from './fs-store.js';
import { MirrorStore } from './mirror-store.js';
import { LazyS3Store } from './lazy-s3-store.js';
import type { Store } from './store.js';

export function openLocation(loc: RepoLocation, cfg: Config): Store {
  return loc.kind === 'file' ? new FsStore(loc.path) : new LazyS3Store(loc, cfg.s3);
}

export function openStore(cfg: Config): Store {
  const stores = cfg.repos.map((l) => openLocation(l, cfg));
  if (stores.length === 1) return stores[0];
  // 'wal/' is the repository layout's WAL_PREFIX (src/repo sits above this layer).
  return new MirrorStore(stores, cfg.walRequiredCopies ? { relaxed: { prefix: 'wal/', copies: cfg.walRequiredCopies } } : {});
}
