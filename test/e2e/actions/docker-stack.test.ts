// The docker/ stack end to end: PostgreSQL 16 archiving WAL with pgkeep into MinIO, the
// runner-like container running the action bundles (full + logical backup, drill, logical
// restore compared by checksums). Needs a Docker daemon with compose (GitHub's hosted
// runners); skipped, with the reason printed, where `docker info` fails, as on this machine.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../helpers/pg.js';
import { ensureActionBundles } from './action-bundles.js';

const run = promisify(execFile);

function dockerReason(): string | null {
  if (process.env.PGKEEP_TEST_DOCKER === '0') return 'PGKEEP_TEST_DOCKER=0';
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 20_000 });
  } catch {
    return '`docker info` failed (no Docker daemon here)';
  }
  try {
    execFileSync('docker', ['compose', 'version'], { stdio: 'ignore', timeout: 20_000 });
  } catch {
    return '`docker compose` is not installed';
  }
  return null;
}
const reason = dockerReason();
if (reason) console.warn(`[skipped] docker stack e2e: ${reason}; it runs on GitHub's hosted runners (ci.yml).`);

const compose = (...args: string[]) =>
  run('docker', ['compose', '-f', 'docker/compose.yml', ...args], { cwd: REPO_ROOT, maxBuffer: 64 << 20, timeout: 900_000 });
const psql = async (sql: string, db = 'postgres') =>
  (await compose('exec', '-T', 'postgres', 'psql', '-U', 'postgres', '-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-d', db, '-c', sql)).stdout.trim();
const action = (name: string, ...inputs: string[]) => compose('exec', '-T', 'runner', 'run-action', name, ...inputs);
const output = (stdout: string, name: string) => new RegExp(`^${name}<<(\\S+)\\n([^\\n]*)\\n\\1$`, 'm').exec(stdout)?.[2];
const checksum = `select count(*) || ':' || md5(string_agg(md5(x::text), '' order by md5(x::text))) from orders x`;

describe.skipIf(reason !== null)('docker stack (compose: postgres:16 + pgkeep archive_command, MinIO, runner)', () => {
  beforeAll(async () => {
    await ensureActionBundles(); // dist/cli comes from test/global-setup.ts
    await compose('up', '-d', '--build', '--wait');
    await psql('create database shop');
    await psql(`create table orders(id int primary key, v text); insert into orders select g, md5(g::text) from generate_series(1, 20000) g`, 'shop');
  }, 1_200_000);
  afterAll(async () => {
    if (!reason) await compose('down', '-v').catch(() => undefined);
  });

  it('archive_command pushes WAL into MinIO (pgkeep status sees it)', async () => {
    await psql('select pg_switch_wal()');
    await psql(`select pg_sleep(3)`);
    const { stdout } = await compose('exec', '-T', 'runner', 'pgkeep', 'status', '--json').catch((e) => e);
    const s = JSON.parse(stdout);
    expect(s.walSegments).toBeGreaterThan(0);
    expect((await psql('select failed_count from pg_stat_archiver'))).toBe('0');
  });

  it('the runner takes a full and a logical backup with the action bundles', async () => {
    const full = await action('pg-backup', 'type=full');
    expect(output(full.stdout, 'backup-id')).toMatch(/-full$/);
    const logical = await action('pg-backup', 'type=logical', 'databases=shop');
    expect(output(logical.stdout, 'backup-id')).toMatch(/-logical$/);
    expect(logical.stdout).toContain('<th align="left">Backup id</th>');
  });

  it('a restore drill passes and reports an RTO', async () => {
    const r = await action('pg-verify', 'mode=drill');
    expect(output(r.stdout, 'status')).toBe('passed');
    expect(Number(output(r.stdout, 'rto-seconds'))).toBeGreaterThan(0);
  });

  it('a logical restore into a new database has the same checksums as the source', async () => {
    await action('pg-restore', 'database=shop', 'target=shop_restore', 'dry-run=false');
    expect(await psql(checksum, 'shop_restore')).toBe(await psql(checksum, 'shop'));
  });
});
