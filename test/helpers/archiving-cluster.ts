// One archiving PostgreSQL per restore test file: a file repository the server archives into
// through the bundle's `wal-push`, the env a CLI run needs to back up and restore from it (its
// restore_command runs the server-readable CLI copy), a scratch directory the server can write
// restored data directories into, and a teardown that also stops every restored server the test
// registered in `running`. The rows, the backups and the WAL switches stay in each test file:
// they are its ground truth.
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalCluster } from '../../src/postgres/local-cluster.js';
import { archivingSettings, makeServerRepo, serverReadableCli, switchWalAndWait } from './archiving.js';
import { startCluster, stopDataDir } from './pg.js';

export interface ArchivingCluster {
  cluster: LocalCluster;
  repo: { dir: string; url: string };
  /** The cluster's PG* env, PGKEEP_REPO, and PGKEEP_NODE_PATH/PGKEEP_CLI_PATH (restore_command), plus `env` given. */
  env: Record<string, string>;
  /** Scratch directory (mode 755) for restored data directories and repository copies. */
  work: string;
  /** Data directories of restored servers: push each before starting it; `destroy` stops them. */
  running: string[];
  /** pg_switch_wal() on the cluster (or a restored server on a port), then wait until the repository holds the segment. */
  switchAndWait(on?: LocalCluster | number): Promise<string>;
  /** Stop the restored servers and the cluster; remove the scratch directory and the repository. */
  destroy(): Promise<void>;
}

export async function startArchivingCluster(opts: {
  /** mkdtemp prefix of the scratch directory, e.g. `pgkeep-replay-`. */
  workPrefix: string;
  /** postgresql.conf settings beside archiving's (track_commit_timestamp, …). */
  settings?: Record<string, string | number | boolean>;
  /** Added to the CLI env (PGKEEP_RESTORE_ARCHIVE_MODE, …). */
  env?: Record<string, string>;
}): Promise<ArchivingCluster> {
  const repo = await makeServerRepo();
  let cluster: LocalCluster;
  try {
    cluster = await startCluster(archivingSettings(repo.url, opts.settings));
  } catch (e) {
    await fsp.rm(repo.dir, { recursive: true, force: true });
    throw e;
  }
  const cli = serverReadableCli();
  const env = { ...cluster.env, PGKEEP_REPO: repo.url, PGKEEP_NODE_PATH: cli.node, PGKEEP_CLI_PATH: cli.bundle, ...opts.env };
  const work = await fsp.mkdtemp(path.join(os.tmpdir(), opts.workPrefix));
  await fsp.chmod(work, 0o755);
  const running: string[] = [];
  return {
    cluster,
    repo,
    env,
    work,
    running,
    switchAndWait: (on = cluster) => switchWalAndWait(on, repo.dir),
    async destroy() {
      for (const d of running) await stopDataDir(d);
      await cluster.destroy();
      await fsp.rm(work, { recursive: true, force: true });
      await fsp.rm(repo.dir, { recursive: true, force: true });
    },
  };
}
