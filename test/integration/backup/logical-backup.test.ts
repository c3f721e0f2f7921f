import { execFileSync, spawn } from 'node:child_process';
import { existsSync, promises as fsp, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, type LocalCluster } from '../../../src/postgres/local-cluster.js';
import { FsStore } from '../../../src/storage/fs-store.js';
import { setLogSink } from '../../../src/util/log.js';
import { NODE24, pgkeep, type CliResult } from '../../helpers/cli.js';
import { REPO_ROOT, startCluster, tableChecksums } from '../../helpers/pg.js';
import { OWNER_PASSWORD, seedDatabases } from './seed-databases.js';

const PW_USER_PASSWORD = 'pw-User-Right-5150';
const WRONG_PASSWORD = 'pw-User-Wrong-8086';

/** Every file under the repository's backups/ (complete or not). */
async function backupFiles(repo: string): Promise<string[]> {
  const dir = path.join(repo, 'backups');
  if (!existsSync(dir)) return [];
  return (await fsp.readdir(dir, { recursive: true })).map(String).sort();
}

describe('logical backup', () => {
  let c: LocalCluster;
  let repo: string;
  let env: Record<string, string>;
  let bundleDir: string;
  const output: string[] = [];

  const run = async (args: string[], e: Record<string, string | undefined> = env): Promise<CliResult> => {
    const r = await pgkeep(args, e);
    output.push(r.stdout, r.stderr);
    return r;
  };

  beforeAll(async () => {
    setLogSink((l) => output.push(l));
    c = await startCluster();
    await seedDatabases(c);
    await c.psql(`create table big(id int, pad text); insert into big select g, repeat('x', 200) from generate_series(1, 20000) g`, 'grafana');
    // A superuser that must log in with a password over TCP (scram-sha-256), first in pg_hba.conf.
    await c.psql(`create role pwuser superuser login password '${PW_USER_PASSWORD}'`);
    const hba = path.join(c.dataDir, 'pg_hba.conf');
    writeFileSync(hba, `host all pwuser 127.0.0.1/32 scram-sha-256\n${await fsp.readFile(hba, 'utf8')}`);
    await c.psql('select pg_reload_conf()');
    repo = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-repo-'));
    env = { ...c.env, PGKEEP_REPO: `file://${repo}` };
    // The CLI bundled as it ships (own output dir, so the committed dist/ is not touched).
    bundleDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-bundle-'));
    // Once seen in CI (pg17, four majors building at once): ncc exited 0 and left no index.js,
    // and both bundle tests then failed on a missing module. Build again once if so, then
    // insist on the file, so a failed build is named here rather than as a 60 s timeout.
    const build = () => execFileSync('npx', ['ncc', 'build', 'src/cli/index.ts', '-o', bundleDir, '--target', 'es2022', '-q'], { cwd: REPO_ROOT, stdio: 'ignore' });
    build();
    if (!existsSync(path.join(bundleDir, 'index.js'))) build();
    expect(existsSync(path.join(bundleDir, 'index.js')), `ncc left no ${bundleDir}/index.js`).toBe(true);
    writeFileSync(path.join(bundleDir, 'package.json'), '{"type":"module"}\n');
  });
  afterAll(async () => {
    setLogSink((l) => process.stderr.write(l + '\n'));
    await c?.destroy();
    for (const d of [repo, bundleDir]) if (d) await fsp.rm(d, { recursive: true, force: true });
  });

  it('lists an empty repository as an empty array, with a friendly line for people', async () => {
    const j = await run(['list', '--json']);
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toEqual([]);
    const t = await run(['list']);
    expect(t.stdout).toContain(`No backups in file://${repo} yet. Take one with: pgkeep backup --type logical`);
  });

  it('refuses an unknown database before writing anything', async () => {
    const r = await run(['backup', '--type', 'logical', '--databases', 'core,billing']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Database "billing" not found on the server.');
    expect(r.stderr).toContain('The server has: "core", "grafana", "keycloak", "postgres".');
    expect(await backupFiles(repo)).toEqual([]);
  });

  it('fails clearly when the server is unreachable', async () => {
    const port = await freePort();
    const r = await run(['backup', '--type', 'logical'], { ...env, PGPORT: String(port) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Cannot connect to PostgreSQL at postgres@127.0.0.1:${port}/postgres (ECONNREFUSED).`);
    expect(r.stderr).toContain('Hint: Check PGHOST/PGPORT');
    expect(await backupFiles(repo)).toEqual([]);
  });

  it('fails clearly on a wrong password, never printing it', async () => {
    const r = await run(['backup', '--type', 'logical'], { ...env, PGUSER: 'pwuser', PGPASSWORD: WRONG_PASSWORD });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Authentication failed for pwuser@127.0.0.1');
    expect(r.stderr).toContain('Check PGUSER and PGPASSWORD');
    expect(await backupFiles(repo)).toEqual([]);
  });

  it('refuses a bad PGKEEP_REPO, naming it', async () => {
    const bad = await run(['backup'], { ...env, PGKEEP_REPO: 'ftp://backups.example.com/pg' });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('PGKEEP_REPO entry "ftp://backups.example.com/pg" is not valid: it must start with file:// or s3://.');
    const rel = await run(['backup'], { ...env, PGKEEP_REPO: 'file://relative/dir' });
    expect(rel.code).toBe(1);
    expect(rel.stderr).toContain('needs an absolute path');
    // A path below a regular file can never become a directory, even for root.
    const unwritable = await run(['backup'], { ...env, PGKEEP_REPO: 'file:///etc/hostname/pgkeep-repo' });
    expect(unwritable.code).toBe(1);
    expect(unwritable.stderr).toContain('Repository directory /etc/hostname/pgkeep-repo is not writable');
    expect(await backupFiles(repo)).toEqual([]);
  });

  it('backs up as a password user, the selected databases only, and lists the backup', async () => {
    const r = await run(['backup', '--type', 'logical', '--databases', 'core,keycloak', '--json'], { ...env, PGUSER: 'pwuser', PGPASSWORD: PW_USER_PASSWORD });
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.databases).toEqual(['core', 'keycloak']);
    expect(res.objects.map((o: { name: string }) => o.name)).toEqual(['globals.sql.zst', 'core.dump.zst', 'keycloak.dump.zst']);
    expect(output.some((l) => /^dump core( \(compressed\))?: [\d.]+ (B|KiB|MiB), [\d.]+ (B|KiB|MiB)\/s/.test(l))).toBe(true);
    const list = await run(['list']);
    expect(list.stdout).toContain(res.id);
    expect(list.stdout).toContain('core,keycloak');
  });

  it('a backup killed mid-dump leaves no manifest and is not listed; the next backup runs', async () => {
    const before = JSON.parse((await run(['list', '--json'])).stdout) as { id: string }[];
    // Hold a lock that pg_dump of grafana waits for, so the kill lands mid-backup.
    const holder = new pg.Client({ host: '127.0.0.1', port: c.port, user: 'postgres', database: 'grafana' });
    await holder.connect();
    // Polled from another session: pg_stat_activity is a snapshot within the holder's transaction.
    const watcher = new pg.Client({ host: '127.0.0.1', port: c.port, user: 'postgres', database: 'postgres' });
    await watcher.connect();
    await holder.query('begin; lock table big in access exclusive mode');
    const child = spawn(NODE24, [path.join(bundleDir, 'index.js'), 'backup', '--type', 'logical'], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let childOut = '';
    child.stdout.on('data', (d) => (childOut += d));
    child.stderr.on('data', (d) => (childOut += d));
    const exited = new Promise<number | null>((res) => child.on('exit', (_code, sig) => res(sig ? -1 : _code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!(await backupFiles(repo)).some((f) => f.endsWith('/globals.sql.zst') && !f.startsWith(before[0]?.id ?? '-'))) {
        if (Date.now() > deadline) throw new Error(`backup never started: ${childOut}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      // Wait until pg_dump is blocked on the lock, then kill pgkeep outright.
      while ((await watcher.query(`select 1 from pg_stat_activity where datname = 'grafana' and wait_event_type = 'Lock'`)).rowCount === 0) {
        if (Date.now() > deadline) throw new Error(`pg_dump never waited: ${childOut}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      expect(await exited).toBe(-1);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      // The orphaned pg_dump goes too.
      await watcher.query(`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'pg_dump'`);
      await holder.query('rollback');
      await holder.end();
      await watcher.end();
    }
    output.push(childOut);
    const files = await backupFiles(repo);
    const killedId = files.map((f) => f.split('/')[0]).find((id) => !before.some((b) => b.id === id));
    expect(killedId).toBeTruthy();
    expect(files).not.toContain(`${killedId}/manifest.json`);
    const after = await run(['list', '--json']);
    expect(JSON.parse(after.stdout).map((b: { id: string }) => b.id)).toEqual(before.map((b) => b.id));
    expect((await run(['list'])).stdout).toContain(`Incomplete (no manifest: killed, failed or still running; not restorable): ${killedId}`);
    // The dead process's lock is stale (same host, pid gone): the next backup takes it over.
    const next = await run(['backup', '--type', 'logical', '--json']);
    expect(next.code, next.stderr).toBe(0);
    const ids = JSON.parse((await run(['list', '--json'])).stdout).map((b: { id: string }) => b.id);
    expect(ids).toEqual([...before.map((b) => b.id), JSON.parse(next.stdout).id]);
  });

  it('a failed dump removes what it wrote and releases the lock', async () => {
    const store = new FsStore(repo);
    const objects = await store.list('backups/');
    // A role that may not read core's tables: its pg_dump fails after globals were written.
    await c.psql(`create role weak login`);
    const r = await run(['backup', '--type', 'logical', '--databases', 'core'], { ...env, PGUSER: 'weak' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pg_dump of database "core" exited with code 1: .*permission denied/);
    // Every object of the failed backup is gone (the file store may keep an empty directory).
    expect(await store.list('backups/')).toEqual(objects);
    expect((await backupFiles(repo)).filter((f) => f.includes('.') && !f.includes('.pgkeep-tmp-'))).toEqual(objects.map((o) => o.key.slice('backups/'.length)));
    expect(existsSync(path.join(repo, 'locks', 'backup-logical.lock'))).toBe(false);
  });

  it('round-trips through the bundled CLI as a password user, with no node_modules', async () => {
    const bundle = (args: string[]) =>
      new Promise<CliResult>((resolve) => {
        const p = spawn(NODE24, [path.join(bundleDir, 'index.js'), ...args], {
          cwd: '/',
          env: { PATH: process.env.PATH, ...env, PGUSER: 'pwuser', PGPASSWORD: PW_USER_PASSWORD },
        });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        p.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      });
    const b = await bundle(['backup', '--type', 'logical', '--databases', 'keycloak']);
    output.push(b.stdout, b.stderr);
    expect(b.code, b.stderr).toBe(0);
    const r = await bundle(['restore', '--logical', '--database', 'keycloak', '--into', 'keycloak_bundle']);
    output.push(r.stdout, r.stderr);
    expect(r.code, r.stderr).toBe(0);
    expect(await tableChecksums(c, 'keycloak_bundle')).toEqual(await tableChecksums(c, 'keycloak'));
  });

  describe('dumps compressed by the zstd CLI (pg_dump writes into zstd; pgkeep reads only zstd\'s output)', () => {
    const realZstd = execFileSync('sh', ['-c', 'command -v zstd'], { encoding: 'utf8' }).trim();
    /** The bundle with `zstd` on PATH replaced by `script` (which gets the real zstd as $REAL). */
    const withFakeZstd = async (script: string, args: string[]) => {
      const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-fake-zstd-'));
      writeFileSync(path.join(dir, 'zstd'), `#!/bin/bash\nREAL=${realZstd}\n${script}\n`, { mode: 0o755 });
      try {
        return await bundleRun(args, { PATH: `${dir}:${process.env.PATH}` });
      } finally {
        await fsp.rm(dir, { recursive: true, force: true });
      }
    };
    const bundleRun = (args: string[], extra: Record<string, string> = {}) =>
      new Promise<CliResult>((resolve) => {
        const p = spawn(NODE24, [path.join(bundleDir, 'index.js'), ...args], { cwd: '/', env: { PATH: process.env.PATH, ...env, ...extra } });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        p.on('close', (code) => {
          output.push(stdout, stderr);
          resolve({ code: code ?? -1, stdout, stderr });
        });
      });
    /** Object files only (the file store may keep an empty directory, and a temp file never counts). */
    const stored = (files: string[]) => files.filter((f) => f.includes('.') && !f.includes('.pgkeep-tmp-'));
    /** Decompressed with the zstd CLI: the raw dump's size, and whether pg_restore reads it. */
    const rawOf = (file: string) => Number(execFileSync('sh', ['-c', `zstd -dc "$1" | wc -c`, 'sh', file], { encoding: 'utf8' }).trim());

    it.each([
      ['the zstd CLI', {}],
      ['in-process frames (PGKEEP_NO_ZSTD_CLI=1)', { PGKEEP_NO_ZSTD_CLI: '1' }],
    ])('stores one zstd stream whose decompressed size is the manifest\'s rawBytes: %s', async (_how, extra) => {
      const r = await bundleRun(['backup', '--type', 'logical', '--databases', 'grafana', '--json'], extra);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain(Object.keys(extra).length ? 'frames at once per dump' : "reading pg_dump's output");
      const id = JSON.parse(r.stdout).id as string;
      const m = JSON.parse(await fsp.readFile(path.join(repo, 'backups', id, 'manifest.json'), 'utf8')) as { objects: { name: string; rawBytes: number; bytes: number }[] };
      const dump = m.objects.find((o) => o.name === 'grafana.dump.zst')!;
      const file = path.join(repo, 'backups', id, 'grafana.dump.zst');
      expect((await fsp.stat(file)).size).toBe(dump.bytes);
      expect(rawOf(file)).toBe(dump.rawBytes);
      expect(dump.rawBytes).toBeGreaterThan(20000 * 200); // the table "big" alone
      const toc = execFileSync('sh', ['-c', `zstd -dc "$1" | "$2/pg_restore" -l`, 'sh', file, c.binDir], { encoding: 'utf8' });
      expect(toc).toMatch(/TABLE DATA public big/);
    });

    it('a zstd that dies mid-dump fails the backup, naming zstd, and keeps nothing', async () => {
      const before = await backupFiles(repo);
      // Passes pgkeep's three-byte probe, then fails on the first real dump.
      const r = await withFakeZstd(
        't=$(mktemp); head -c 65536 > "$t"; if [ "$(stat -c %s "$t")" -lt 65536 ]; then exec "$REAL" "$@" < "$t"; fi; rm -f "$t"; echo "zstd: simulated failure" >&2; exit 1',
        ['backup', '--type', 'logical', '--databases', 'grafana'],
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/zstd compressing pg_dump of database "grafana" exited with code 1: zstd: simulated failure/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(stored(await backupFiles(repo))).toEqual(stored(before));
      expect(existsSync(path.join(repo, 'locks', 'backup-logical.lock'))).toBe(false);
    });

    it('a zstd whose output lost a byte on the way is caught (its own count disagrees) and nothing is kept', async () => {
      const before = await backupFiles(repo);
      // Past the probe, the real zstd's output loses its last byte; zstd itself exits 0.
      const r = await withFakeZstd(
        't=$(mktemp); head -c 65536 > "$t"; if [ "$(stat -c %s "$t")" -lt 65536 ]; then exec "$REAL" "$@" < "$t"; fi; set -o pipefail; cat "$t" - | "$REAL" "$@" | head -c -1; rc=$?; rm -f "$t"; exit $rc',
        ['backup', '--type', 'logical', '--databases', 'grafana'],
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/zstd reported \d+ compressed bytes for .*grafana\.dump\.zst, but \d+ arrived; nothing was kept/);
      expect(stored(await backupFiles(repo))).toEqual(stored(before));
    });
  });

  it('never prints a password', () => {
    const all = output.join('\n');
    for (const secret of [PW_USER_PASSWORD, WRONG_PASSWORD, OWNER_PASSWORD, 'SCRAM-SHA-256$']) expect(all).not.toContain(secret);
  });
});
