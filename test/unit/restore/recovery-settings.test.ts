import { describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import os from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../../../src/config/config.js';
import { resolveCliPaths, syncfsReportsErrors } from '../../../src/restore/execute.js';
import { commandWord, confQuote, percentLiteral, recoverySettings, repoUrlForServer, restoreCommandLine, shellQuote } from '../../../src/restore/recovery-settings.js';
import { parseTargetTime } from '../../../src/restore/target-time.js';
import { parseLsn } from '../../../src/wal/segment.js';

const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

/**
 * PostgreSQL 16+'s replace_percent_placeholders(): %f, %p, %r and %% are replaced, any other
 * %x is refused ("invalid value for parameter restore_command"); a trailing % is kept.
 */
function pgSubstitute(cmd: string, values: { f: string; p: string; r?: string }): string {
  return cmd.replace(/%(.?)/g, (_m, c: string) => {
    if (c === 'f') return values.f;
    if (c === 'p') return values.p;
    if (c === 'r') return values.r ?? '';
    if (c === '%') return '%';
    if (c === '') return '%';
    throw new Error(`invalid value for parameter "restore_command": unknown placeholder %${c}`);
  });
}

describe('recovery settings', () => {
  const rc = restoreCommandLine({ node: '/opt/node 24/bin/node', cli: '/srv/pgkeep/dist/cli/index.js', repoUrl: 's3://bkt/prod?storage-class=STANDARD_IA&sse=aws:kms' });

  it('builds a restore_command with absolute paths, shell-quoted, and the repository URL only', () => {
    expect(rc).toBe(
      `{ [ -r /srv/pgkeep/dist/cli/index.js ] || { echo pgkeep: restore_command cannot read /srv/pgkeep/dist/cli/index.js >&2; exit 200; }; } && '/opt/node 24/bin/node' /srv/pgkeep/dist/cli/index.js wal-fetch --repo 's3://bkt/prod?storage-class=STANDARD_IA&sse=aws:kms' %f %p`,
    );
    // What /bin/sh makes of the wal-fetch part: exactly the intended argv.
    const fetch = rc.slice(rc.indexOf('&& ') + 3);
    const argv = execFileSync('sh', ['-c', `for a in ${pgSubstitute(fetch, { f: 'F', p: 'P' })}; do echo "[$a]"; done`]).toString();
    expect(argv).toBe('[/opt/node 24/bin/node]\n[/srv/pgkeep/dist/cli/index.js]\n[wal-fetch]\n[--repo]\n[s3://bkt/prod?storage-class=STANDARD_IA&sse=aws:kms]\n[F]\n[P]\n');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(confQuote("a'b")).toBe(`'a''b'`);
  });

  it('doubles every literal % (PostgreSQL 16+ refuses unknown placeholders) and keeps %f %p as placeholders', () => {
    expect(percentLiteral('http%3A%2F%2Fh%f')).toBe('http%%3A%%2F%%2Fh%%f');
    expect(commandWord('/opt/a %f b/node')).toBe(`'/opt/a %%f b/node'`);
    expect(commandWord('/opt/%p/node')).toBe('/opt/%%p/node');
    const cmd = restoreCommandLine({
      node: '/opt/node-%f-%p/node',
      cli: '/srv/%r%%/cli.js',
      repoUrl: 's3://bkt/prod?endpoint=http%3A%2F%2F127.0.0.1%3A9000&force-path-style=true,file:///var/b%25f',
      spool: 'pg_wal/pgkeep-prefetch',
    });
    // Unescaped, PostgreSQL 16+ would refuse %3 / %2 / %r%; escaped, only %f %p are placeholders.
    expect(() => pgSubstitute(restoreCommandLine({ node: '/n', cli: '/c', repoUrl: 's3://b/p?endpoint=http%3A%2F%2Fh' }).replace(/%%/g, '%'), { f: 'F', p: 'P' })).toThrow(/unknown placeholder %3/);
    const line = pgSubstitute(cmd, { f: '000000010000000000000003', p: 'pg_wal/RECOVERYXLOG' });
    expect(line).toContain(`/opt/node-%f-%p/node /srv/%r%%/cli.js wal-fetch --repo 's3://bkt/prod?endpoint=http%3A%2F%2F127.0.0.1%3A9000&force-path-style=true,file:///var/b%25f' 000000010000000000000003 pg_wal/RECOVERYXLOG; fi`);
    expect(line).toContain('if [ -f pg_wal/pgkeep-prefetch/000000010000000000000003 ]; then mv -f pg_wal/pgkeep-prefetch/000000010000000000000003 pg_wal/RECOVERYXLOG || exit 200;');
  });

  it('carries the endpoint from AWS_ENDPOINT_URL_S3 into restore_command so that PostgreSQL 16+ accepts it', () => {
    const cfg = loadConfig({ PGKEEP_REPO: 's3://bkt/prod', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9000' });
    const cmd = restoreCommandLine({ node: '/n', cli: '/c', repoUrl: repoUrlForServer(cfg) });
    expect(cmd).toContain('endpoint=http%%3A%%2F%%2F127.0.0.1%%3A9000');
    expect(pgSubstitute(cmd, { f: 'F', p: 'P' })).toContain("'s3://bkt/prod?endpoint=http%3A%2F%2F127.0.0.1%3A9000&force-path-style=true' F P");
  });

  it('serves a staged segment by a rename in the shell, and anything else through wal-fetch', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'pgkeep-rc-'));
    mkdirSync(path.join(dir, 'pg_wal/pgkeep-prefetch'), { recursive: true });
    writeFileSync(path.join(dir, 'pg_wal/pgkeep-prefetch/000000010000000000000003'), 'segment');
    // "node" is /bin/echo, so a wal-fetch call shows up on stdout; the "bundle" must exist.
    const cli = path.join(dir, 'cli.js');
    writeFileSync(cli, '');
    const cmd = restoreCommandLine({ node: '/bin/echo', cli, repoUrl: 'file:///r', spool: 'pg_wal/pgkeep-prefetch' });
    const sh = (f: string) => spawnSync('sh', ['-c', pgSubstitute(cmd, { f, p: 'pg_wal/RECOVERYXLOG' })], { cwd: dir, encoding: 'utf8' });
    const run = (f: string) => {
      const r = sh(f);
      expect(r.status).toBe(0);
      return r.stdout;
    };
    expect(run('000000010000000000000003')).toBe('');
    expect(readFileSync(path.join(dir, 'pg_wal/RECOVERYXLOG'), 'utf8')).toBe('segment');
    expect(existsSync(path.join(dir, 'pg_wal/pgkeep-prefetch/000000010000000000000003'))).toBe(false);
    expect(run('00000002.history')).toBe(`${cli} wal-fetch --repo file:///r 00000002.history pg_wal/RECOVERYXLOG\n`);
    // Timeline 1 never has a history file: "not in the archive" (1) without starting wal-fetch.
    const tl1 = sh('00000001.history');
    expect(tl1.status).toBe(1);
    expect(tl1.stdout).toBe('');
    // A staged segment that cannot be moved into place: fatal for PostgreSQL (> 125), never 1.
    writeFileSync(path.join(dir, 'pg_wal/pgkeep-prefetch/000000010000000000000004'), 'segment');
    const mvFails = spawnSync('sh', ['-c', pgSubstitute(cmd, { f: '000000010000000000000004', p: 'no-such-dir/RECOVERYXLOG' })], { cwd: dir, encoding: 'utf8' });
    expect(mvFails.status).toBe(200);
    // The CLI bundle gone (node would exit 1 on the missing module): fatal too, with a line for the log.
    rmSync(cli);
    const gone = sh('000000010000000000000005');
    expect(gone.status).toBe(200);
    expect(gone.stderr).toContain(`restore_command cannot read ${cli}`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses syncfs for the recovery start only where the kernel reports its write-back errors (Linux 5.8+)', () => {
    expect(syncfsReportsErrors('linux', '6.18.44-fc')).toBe(true);
    expect(syncfsReportsErrors('linux', '5.8.0')).toBe(true);
    expect(syncfsReportsErrors('linux', '5.4.0-150-generic')).toBe(false);
    expect(syncfsReportsErrors('linux', '4.19.0')).toBe(false);
    expect(syncfsReportsErrors('darwin', '23.1.0')).toBe(false);
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
    expect(resolveCliPaths({ cliPath: '/bin/sh', nodePath: '/usr/bin/env' })).toEqual({ cli: '/bin/sh', node: '/usr/bin/env' });
    expect(() => resolveCliPaths({ cliPath: '/nope/index.js' })).toThrow(/Cannot find the pgkeep CLI bundle/);
    expect(() => resolveCliPaths({ cliPath: '/bin/sh', nodePath: 'node' })).toThrow(/not an absolute path/);
  });
  it('finds the repository bundle when running in-process', () => {
    expect(resolveCliPaths({})).toEqual({ node: process.execPath, cli: path.join(REPO_ROOT, 'dist/cli/index.js') });
  });
});
