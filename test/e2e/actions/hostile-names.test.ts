// Database and role names with quotes, spaces, a pipe, a newline, a comma and non-ASCII letters
// go through everything that names them: backup --databases, logical restore (into this cluster
// and, creating the role from globals, into a fresh one), swap and its printed undo command, the
// pg-backup action's job summary and the status branch (status.json and its markdown table).
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { setLogSink } from '../../../src/util/log.js';
import { pgkeep } from '../../helpers/cli.js';
import { binDir, startCluster } from '../../helpers/pg.js';
import { ensureActionBundles } from './action-bundles.js';
import { startFakeGitHub, type FakeGitHub } from './fake-github.js';
import { runAction } from './run-action.js';

const DB = `it's "Ops" | ü\tline`;
// PostgreSQL allows it; its pg_restore refuses to restore it (CVE-2025-8714), so backup refuses it.
const NEWLINE_DB = `new\nline`;
const COMMA_DB = 'a,b';
const ROLE = `we'ird "role";`;
const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
/** A name as --databases takes it: comma and backslash escaped. */
const listItem = (s: string) => s.replace(/[\\,]/g, '\\$&');

beforeAll(ensureActionBundles, 900_000);

describe('hostile database and role names', () => {
  let c: LocalCluster;
  let repo: string;
  let env: Record<string, string>;
  let gh: FakeGitHub;
  const rows = async (db: string) => Number((await c.psql('select count(*) from t', db)).trim());
  const dbs = async () => (await c.psql(`select coalesce(json_agg(datname order by datname), '[]') from pg_database`)).trim();

  beforeAll(async () => {
    setLogSink(() => undefined);
    c = await startCluster();
    await c.psql(`create role ${ident(ROLE)} login`);
    await c.psql(`create database ${ident(DB)} owner ${ident(ROLE)}`);
    await c.psql(`create database ${ident(COMMA_DB)}`);
    await c.psql(`set role ${ident(ROLE)}; create table t(id int primary key, v text); insert into t select g, 'ü' || g from generate_series(1, 100) g;`, DB);
    await c.psql(`create table t(id int); insert into t values (1), (2);`, COMMA_DB);
    repo = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-hostile-repo-'));
    gh = await startFakeGitHub('o/r');
    env = { ...c.env, PGKEEP_REPO: `file://${repo}`, PGKEEP_PG_BINDIR: binDir() };
  });
  afterAll(async () => {
    setLogSink((l) => process.stderr.write(l + '\n'));
    await c?.destroy();
    await gh?.close();
    if (repo) await fsp.rm(repo, { recursive: true, force: true });
  });

  it('--databases takes the names, a comma inside a name written as \\,', async () => {
    const r = await pgkeep(['backup', '--type', 'logical', '--databases', `${listItem(DB)}, ${listItem(COMMA_DB)}`, '--json'], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).databases).toEqual([DB, COMMA_DB]);
    const list = JSON.parse((await pgkeep(['list', '--json'], env)).stdout);
    expect(list.at(-1).databases).toEqual([DB, COMMA_DB]);
  });

  it('an unescaped comma is refused with a hint that shows the escaped form', async () => {
    const r = await pgkeep(['backup', '--type', 'logical', '--databases', COMMA_DB], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Databases "a", "b" not found on the server.');
    expect(r.stderr).toContain('for the database "a,b" write the comma with a backslash: a\\,b');
    const lone = await pgkeep(['backup', '--type', 'logical', '--databases', 'core\\'], env);
    expect(lone.code).toBe(2);
    expect(lone.stderr).toContain('--databases ends with a lone backslash');
  });

  it('refuses a database whose name holds a line break before writing anything, naming it', async () => {
    await c.psql(`create database ${ident(NEWLINE_DB)}`);
    try {
      const before = await fsp.readdir(path.join(repo, 'backups'));
      for (const args of [['--databases', `${listItem(NEWLINE_DB)},postgres`], []]) {
        const r = await pgkeep(['backup', '--type', 'logical', ...args], env);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(`Database name "new\\nline" holds a line break, which PostgreSQL's pg_restore refuses to restore; nothing was backed up.`);
      }
      expect(await fsp.readdir(path.join(repo, 'backups'))).toEqual(before);
    } finally {
      await c.psql(`drop database ${ident(NEWLINE_DB)}`);
    }
  });

  it('restores the database under its own name + _restore, owned by the role, rows intact', async () => {
    const r = await pgkeep(['restore', '--logical', '--database', DB], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await rows(`${DB}_restore`)).toBe(100);
    expect((await c.psql(`select tableowner from pg_tables where tablename = 't'`, `${DB}_restore`)).trim()).toBe(ROLE);
    const comma = await pgkeep(['restore', '--logical', '--database', COMMA_DB, '--into', 'a,b copy'], env);
    expect(comma.code).toBe(0);
    expect((await c.psql('select sum(id) from t', 'a,b copy')).trim()).toBe('3');
  });

  it('a fresh cluster gets the role from the globals first, then the database owned by it', async () => {
    const c2 = await startCluster();
    try {
      const r = await pgkeep(['restore', '--logical', '--database', DB], { ...env, ...c2.env });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect((await c2.psql(`select pg_get_userbyid(datdba) from pg_database where datname = ${lit(`${DB}_restore`)}`)).trim()).toBe(ROLE);
      expect((await c2.psql('select count(*) from t', `${DB}_restore`)).trim()).toBe('100');
    } finally {
      await c2.destroy();
    }
  });

  it('swap puts the restored copy in place, and the printed undo command, run through sh, swaps back', async () => {
    await c.psql(`insert into t select g, 'new' from generate_series(101, 150) g`, DB);
    const r = await pgkeep(['swap', DB], env);
    expect(r.code).toBe(0);
    expect(await rows(DB)).toBe(100);
    const undo = /^To undo: (pgkeep swap .*)$/ms.exec(r.stdout)![1].trim();
    // What a person pasting the line into a shell passes to pgkeep.
    const argv = execFileSync('sh', ['-c', `set -- ${undo.replace(/^pgkeep /, '')}; printf '%s\\0' "$@"`], { encoding: 'utf8' }).split('\0').slice(0, -1);
    // The undo keeps the current database aside under a _before_ name of its own second.
    await new Promise((r) => setTimeout(r, 1100));
    const back = await pgkeep(argv, env);
    expect(back.stderr).toBe('');
    expect(back.code).toBe(0);
    expect(await rows(DB)).toBe(150);
    // The copy that was restored is kept aside under the _before_ name.
    const aside = (JSON.parse(await dbs()) as string[]).filter((d) => d.startsWith(`${DB}_before_`));
    expect(aside).toHaveLength(1);
    expect(await rows(aside[0])).toBe(100);
  });

  it('pg-backup summary and the status branch keep the names intact and the markdown table whole', async () => {
    const actionEnv = { ...env, GITHUB_REPOSITORY: 'o/r', GITHUB_API_URL: gh.url, GITHUB_SERVER_URL: 'https://github.example', GITHUB_RUN_ID: '9' };
    const ok = await runAction('pg-backup', { type: 'logical', databases: `${listItem(DB)}\n${listItem(COMMA_DB)}`, 'github-token': 'ghs_hostile123' }, actionEnv);
    expect(ok.stdout).not.toMatch(/::error::/);
    expect(ok.code).toBe(0);
    expect(ok.summary).toContain(`<code>it&#39;s &quot;Ops&quot; | ü\tline</code>, <code>a,b</code>`);
    // A name in a failure: the message (with its newline and pipe) lands in the status table.
    const bad = await runAction('pg-backup', { type: 'logical', databases: `no | such\\\n"db"`, 'github-token': 'ghs_hostile123' }, actionEnv);
    expect(bad.code).not.toBe(0);
    expect(bad.summary).toContain('&quot;no | such\\n\\&quot;db\\&quot;&quot; not found');
    // The runner reads `::` at a line start as a command: a newline from a name must not start one.
    expect(bad.stdout.split('\n').filter((l) => l.startsWith('::error::'))).toHaveLength(1);
    const files = gh.filesAt('pgkeep-status');
    const status = JSON.parse(files['status.json']);
    expect(status.runs.map((x: { ok: boolean }) => x.ok)).toEqual([true, false]);
    expect(status.runs[1].error).toContain('"no | such\\n\\"db\\""');
    const table = files['README.md'].split('\n## Last results\n\n')[1].split('\n\n')[0].split('\n');
    expect(table).toHaveLength(4);
    // Every row has exactly the header's 7 unescaped pipes.
    for (const line of table) expect(line.split('|')).toHaveLength(8);
  });
});
