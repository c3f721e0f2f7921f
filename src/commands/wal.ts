// `pgkeep wal-push | wal-fetch | wal-pull`: WAL archiving commands (orchestration only; the
// work lives in src/wal/). wal-push and wal-fetch run once per WAL file as PostgreSQL's
// archive_command / restore_command, so they do as little as possible before the transfer.
import type { Config } from '../config/config.js';
import { openStore } from '../storage/open-store.js';
import { log } from '../util/log.js';
import { walFetch, type WalFetchResult } from '../wal/wal-fetch.js';
import { walPush, type WalPushResult } from '../wal/wal-push.js';
import { parseLsn } from '../wal/segment.js';

export async function runWalPush(cfg: Config, file: string): Promise<WalPushResult> {
  const parallel = cfg.settings.walPushParallel;
  const r = await walPush(openStore(cfg), { file, repoUrl: cfg.repoUrl, parallel });
  log.debug(`wal-push ${r.name}: ${r.status}${r.ahead.length ? `, pushed ahead ${r.ahead.length}` : ''} in ${r.durationSeconds.toFixed(2)} s`);
  return r;
}

export async function runWalFetch(cfg: Config, name: string, dest: string): Promise<WalFetchResult> {
  return walFetch(openStore(cfg), { name, dest, prefetch: cfg.settings.walPrefetch, parallel: cfg.settings.walFetchParallel });
}

export interface WalPullRunOptions {
  follow: boolean;
  slot?: string;
  spoolDir?: string;
  /** For follow mode: stops when aborted (SIGTERM/SIGINT). */
  signal?: AbortSignal;
}

export interface WalPullRunResult {
  pushed: number;
  upTo?: string;
}

export async function runWalPull(cfg: Config, o: WalPullRunOptions): Promise<WalPullRunResult> {
  // Loaded here only (a chunk of the bundle): wal-push and wal-fetch, started once per segment,
  // never need node-postgres, TLS or the PostgreSQL tools' process handling.
  const [{ serverFacts, withClient }, { resolveBinDir }, { pullWalFollow, pullWalTo, DEFAULT_SLOT }] = await Promise.all([
    import('../postgres/client.js'),
    import('../postgres/pg-tools.js'),
    import('../wal/wal-pull.js'),
  ]);
  const facts = await serverFacts(cfg.pgEnv);
  const binDir = resolveBinDir(cfg.pgBinDir, facts.major);
  const store = openStore(cfg);
  const base = { store, pgEnv: cfg.pgEnv, binDir, slot: o.slot ?? DEFAULT_SLOT, spoolDir: o.spoolDir, parallel: cfg.parallel };
  if (o.follow) {
    const pushed = await pullWalFollow(base, facts.systemIdentifier, o.signal ?? new AbortController().signal);
    return { pushed };
  }
  const { lsn, segSize } = await withClient(cfg.pgEnv, undefined, async (c) => {
    const l = (await c.query<{ l: string }>('select pg_switch_wal()::text as l')).rows[0].l;
    const s = (await c.query<{ setting: string }>(`select setting from pg_settings where name = 'wal_segment_size'`)).rows[0];
    return { lsn: l, segSize: Number(s?.setting) || 16 * 1024 * 1024 };
  });
  const files = await pullWalTo(base, parseLsn(lsn), segSize, facts.systemIdentifier);
  return { pushed: files.length, upTo: lsn };
}
