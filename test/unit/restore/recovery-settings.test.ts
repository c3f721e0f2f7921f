import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import os from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../../../src/config/config.js';
import { resolveCliPaths } from '../../../src/restore/execute.js';
import { confQuote, recoverySettings, repoUrlForServer, restoreCommandLine, shellQuote } from '../../../src/restore/recovery-settings.js';
import { parseTargetTime } from '../../../src/restore/target-time.js';
import { parseLsn } from '../../../src/wal/segment.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

describe('recovery settings', () => {
  const rc = restoreCommandLine({ node: '/opt/node 24/bin/node', cli: '/srv/pgkeep/dist/cli/index.js', repoUrl: 's3://bkt/prod?storage-class=STANDARD_IA&sse=aws:kms' });

  it('builds a restore_command with absolute paths, shell-quoted, and the repository URL only', () => {
    expect(rc).toBe(`'/opt/node 24/bin/node' /srv/pgkeep/dist/cli/index.js wal-fetch --repo 's3://bkt/prod?storage-class=STANDARD_IA&sse=aws:kms' %f %p`);
    // What /bin/sh makes of it: exactly the intended argv.
    const argv = execFileSync('sh', ['-c', `for a in ${rc.replace('%f %p', 'F P')}; do echo "[$a]"; done`]).toString();
    expect(argv).toBe('[/opt/node 24/bin/node]\n[/srv/pgkeep/dist/cli/index.js]\n[wal-fetch]\n[--repo]\n[s3://bkt/prod?storage-class=STANDARD_IA&sse=aws:kms]\n[F]\n[P]\n');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(confQuote("a'b")).toBe(`'a''b'`);
  });

  it('serves a staged segment by a rename in the shell, and anything else through wal-fetch', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pgkeep-rc-'));
    mkdirSync(path.join(dir, 'pg_wal/pgkeep-prefetch'), { recursive: true });
    writeFileSync(path.join(dir, 'pg_wal/pgkeep-prefetch/000000010000000000000003'), 'segment');
    // "node" is /bin/echo, so a wal-fetch call shows up on stdout.
    const cmd = restoreCommandLine({ node: '/bin/echo', cli: '/srv/cli.js', repoUrl: 'file:///r', spool: 'pg_wal/pgkeep-prefetch' });
    const run = (f: string) => execFileSync('sh', ['-c', cmd.replace(/%f/g, f).replace(/%p/g, 'pg_wal/RECOVERYXLOG')], { cwd: dir }).toString();
    expect(run('000000010000000000000003')).toBe('');
    expect(readFileSync(path.join(dir, 'pg_wal/RECOVERYXLOG'), 'utf8')).toBe('segment');
    expect(existsSync(path.join(dir, 'pg_wal/pgkeep-prefetch/000000010000000000000003'))).toBe(false);
    expect(run('00000002.history')).toBe('/srv/cli.js wal-fetch --repo file:///r 00000002.history pg_wal/RECOVERYXLOG\n');
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the target settings for each kind, always promoting on the planned timeline', () => {
    const time = recoverySettings({ target: { kind: 'time', time: parseTargetTime('2025-11-08T16:30:00.123456+02:00') }, targetTimeline: 2, restoreCommand: rc });
    expect(Object.fromEntries(time)).toEqual({
      restore_command: rc,
      recovery_target_time: '2025-11-08 14:30:00.123456+00',
      recovery_target_inclusive: 'true',
      recovery_target_timeline: '2',
      recovery_target_action: 'promote',
    });
    expect(Object.fromEntries(recoverySettings({ target: { kind: 'lsn', lsn: parseLsn('0/3000060') }, targetTimeline: 1, restoreCommand: rc }))).toMatchObject({
      recovery_target_lsn: '0/3000060',
      recovery_target_inclusive: 'true',
    });
    expect(Object.fromEntries(recoverySettings({ target: { kind: 'immediate' }, targetTimeline: 1, restoreCommand: rc }))).toMatchObject({ recovery_target: 'immediate' });
    const latest = Object.fromEntries(recoverySettings({ target: { kind: 'latest' }, targetTimeline: 3, restoreCommand: rc, archiveMode: 'off' }));
    expect(Object.keys(latest).filter((k) => k.startsWith('recovery_target_') && !['recovery_target_timeline', 'recovery_target_action'].includes(k))).toEqual([]);
    expect(latest.archive_mode).toBe('off');
  });

  it('carries an S3 endpoint from the environment into the URL, never credentials', () => {
    const cfg = loadConfig({ PGKEEP_REPO: 's3://bkt/prod,file:///var/backups/pg', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000', AWS_SECRET_ACCESS_KEY: 'sekrit-value', AWS_ACCESS_KEY_ID: 'AKIAXXX' });
    const url = repoUrlForServer(cfg);
    expect(url).toBe('s3://bkt/prod?endpoint=http%3A%2F%2F127.0.0.1%3A9000&force-path-style=true,file:///var/backups/pg');
    expect(url).not.toMatch(/sekrit|AKIA/);
  });
});

describe('resolveCliPaths', () => {
  it('uses PGKEEP_CLI_PATH / PGKEEP_NODE_PATH, and refuses a missing bundle with a hint', () => {
    expect(resolveCliPaths({ PGKEEP_CLI_PATH: '/bin/sh', PGKEEP_NODE_PATH: '/usr/bin/env' })).toEqual({ cli: '/bin/sh', node: '/usr/bin/env' });
    expect(() => resolveCliPaths({ PGKEEP_CLI_PATH: '/nope/index.js' })).toThrow(/Cannot find the pgkeep CLI bundle/);
    expect(() => resolveCliPaths({ PGKEEP_CLI_PATH: '/bin/sh', PGKEEP_NODE_PATH: 'node' })).toThrow(/not an absolute path/);
  });
  it('finds the repository bundle when running in-process', () => {
    expect(resolveCliPaths({})).toEqual({ node: process.execPath, cli: path.join(REPO_ROOT, 'dist/cli/index.js') });
  });
});
