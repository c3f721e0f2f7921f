// The README's by-hand restore (docs/logical.md), run literally with zstd, sha256sum, jq, psql,
// createdb and pg_restore: a pgkeep logical backup must be restorable without pgkeep.
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { setLogSink } from '../../../src/util/log.js';
import { pgkeep } from '../../helpers/cli.js';
import { binDir, startCluster, tableChecksums } from '../../helpers/pg.js';
import { seedDatabases } from '../backup/seed-databases.js';

const TOOLS = ['zstd', 'sha256sum', 'jq'];
const missing = TOOLS.filter((t) => !['/usr/bin', '/bin', '/usr/local/bin'].some((d) => existsSync(path.join(d, t))));
if (missing.length) console.warn(`by-hand recipe test skipped: ${missing.join(', ')} not installed (apt-get install zstd jq coreutils)`);

describe.skipIf(missing.length > 0)('by-hand restore recipe (standard tools only)', () => {
  let c: LocalCluster;
  let repo: string;
  let dir: string;
  let before: Record<string, string>;
  let sh: (script: string) => string;

  beforeAll(async () => {
    setLogSink(() => undefined);
    c = await startCluster();
    await seedDatabases(c, 500);
    before = await tableChecksums(c, 'core');
    repo = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-repo-'));
    const r = await pgkeep(['backup', '--type', 'logical', '--json'], { ...c.env, PGKEEP_REPO: `file://${repo}` });
    expect(r.code, r.stderr).toBe(0);
    dir = path.join(repo, 'backups', JSON.parse(r.stdout).id);
    // Exactly what an operator types, in the backup directory, with the libpq environment.
    sh = (script) =>
      execFileSync('bash', ['-c', `set -euo pipefail\n${script}`], {
        cwd: dir,
        env: { PATH: `${binDir()}:${process.env.PATH}`, ...c.env },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  });
  afterAll(async () => {
    setLogSink((l) => process.stderr.write(l + '\n'));
    await c?.destroy();
    if (repo) await fsp.rm(repo, { recursive: true, force: true });
  });

  it('checks every object against the manifest with sha256sum', () => {
    const out = sh(`jq -r '.objects[] | "\\(.sha256)  \\(.name)"' manifest.json | sha256sum -c -`);
    expect(out.trim().split('\n').sort()).toEqual(
      ['core.dump.zst: OK', 'globals.sql.zst: OK', 'grafana.dump.zst: OK', 'keycloak.dump.zst: OK', 'postgres.dump.zst: OK'],
    );
  });

  it('sha256sum catches a flipped byte', async () => {
    const f = path.join(dir, 'grafana.dump.zst');
    const good = await fsp.readFile(f);
    const bad = Buffer.from(good);
    bad[bad.length >> 1] ^= 0x80;
    await fsp.writeFile(f, bad);
    try {
      let out = '';
      try {
        sh(`jq -r '.objects[] | "\\(.sha256)  \\(.name)"' manifest.json | sha256sum -c -`);
      } catch (e) {
        out = String((e as { stdout?: string }).stdout);
      }
      expect(out).toContain('grafana.dump.zst: FAILED');
      expect(out).toContain('core.dump.zst: OK');
    } finally {
      await fsp.writeFile(f, good);
    }
  });

  it('recreates a dropped role and restores core with identical table checksums', async () => {
    await c.psql('drop owned by app_owner cascade', 'core');
    await c.psql('drop role app_owner');
    sh(`zstd -dc globals.sql.zst | grep -E '^(CREATE|ALTER) ROLE "?app_owner"?[ ;]' | psql -X -q -v ON_ERROR_STOP=1 -d postgres`);
    expect((await c.psql(`select rolcanlogin from pg_roles where rolname = 'app_owner'`)).trim()).toBe('t');
    sh(`createdb -T template0 core_restore\nzstd -dc core.dump.zst | pg_restore --exit-on-error -d core_restore`);
    expect(await tableChecksums(c, 'core_restore')).toEqual(before);
    expect((await c.psql(`select tableowner from pg_tables where tablename = 'accounts'`, 'core_restore')).trim()).toBe('app_owner');
  });

  it('pipes the whole globals file into psql on a server that lacks the roles', async () => {
    await c.psql('drop database core_restore');
    await c.psql('drop role app_owner');
    await c.psql('drop role readers');
    // "role postgres already exists" is expected and harmless; everything else must apply.
    sh(`zstd -dc globals.sql.zst | psql -X -q -d postgres 2>&1 | { grep -v 'role "postgres" already exists' || true; }`);
    expect((await c.psql(`select pg_has_role('app_owner', 'readers', 'member')`)).trim()).toBe('t');
  });
});
