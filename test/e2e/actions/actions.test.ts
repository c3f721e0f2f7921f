// The three actions, bundled and run as a runner runs them, against a real PostgreSQL, a file
// repository and a local stand-in for the GitHub API (status branch, alert issue, webhook).
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { LocalCluster as Cluster } from '../../../src/postgres/local-cluster.js';
import { archivingSettings, makeServerRepo } from '../../helpers/archiving.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';
import { binDir, REPO_ROOT, startCluster, tableChecksums } from '../../helpers/pg.js';
import { startFakeGitHub, type FakeGitHub } from './fake-github.js';
import { ensureActionBundles } from './action-bundles.js';
import { runAction } from './run-action.js';

const PASSWORD = 'Pw-never-print-8842';
// A database name with HTML in it: the summary must show it escaped.
const ODD_DB = 'odd<b>&"db';

// The action bundles, rebuilt when src/ changed (dist/cli, which restore_command calls, is
// rebuilt by test/global-setup.ts).
beforeAll(ensureActionBundles, 900_000);

describe('actions as a runner runs them', () => {
  let c: LocalCluster;
  let repo: string;
  let gh: FakeGitHub;
  let env: Record<string, string>;
  let backupId: string;
  let before: Record<string, string>;
  let beforeOdd: Record<string, string>;

  beforeAll(async () => {
    c = await startCluster({ allow_in_place_tablespaces: 'on' });
    await c.psql('create database shop');
    await c.psql(`create database "${ODD_DB.replace(/"/g, '""')}"`);
    await c.psql(
      `create table orders(id int primary key, item text, price numeric(10,2));
       insert into orders select g, 'item ' || g, g * 1.25 from generate_series(1, 5000) g;`,
      'shop',
    );
    await c.psql(`create table notes(id int primary key, body text); insert into notes select g, 'note ' || g from generate_series(1, 300) g;`, ODD_DB);
    // broken: its table sits in a tablespace dropped after the backup, so its pg_restore fails
    // (SET default_tablespace); the largest dump, so restores of several databases start with it.
    await c.psql(`create tablespace gone location ''`);
    await c.psql('create database broken');
    await c.psql(`create table t(id int primary key, pad text) tablespace gone; insert into t select g, repeat('x', 300) from generate_series(1, 3000) g`, 'broken');
    before = await tableChecksums(c, 'shop');
    beforeOdd = await tableChecksums(c, ODD_DB);
    repo = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-actions-repo-'));
    gh = await startFakeGitHub('o/r');
    env = {
      ...c.env,
      PGPASSWORD: PASSWORD,
      PGKEEP_REPO: `file://${repo}`,
      PGKEEP_PG_BINDIR: binDir(),
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_API_URL: gh.url,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_RUN_ID: '77',
    };
  });
  afterAll(async () => {
    await c?.destroy();
    await gh?.close();
    if (repo) await fsp.rm(repo, { recursive: true, force: true });
  });

  const withoutMaskLines = (s: string) => s.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');

  it('pg-backup fails on type: bogus with an ::error naming the input, before touching anything', async () => {
    const r = await runAction('pg-backup', { type: 'bogus' }, env);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/^::error::Input "type" is "bogus": expected logical, full or incr\./m);
    expect(r.summary).toContain('Input &quot;type&quot; is &quot;bogus&quot;');
    expect(r.summary).toContain('Not read');
    expect(r.outputs).toEqual({});
    expect(gh.requests).toHaveLength(0);
    expect(await fsp.readdir(repo)).toEqual([]);
  });

  it('a failed backup opens the alert issue, records the failure on a new status branch and posts the webhook', async () => {
    const r = await runAction('pg-backup', { type: 'logical', databases: 'no_such_db', 'github-token': 'ghs_faketoken123', 'webhook-url': `${gh.url}/hook` }, env);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/^::error::.*no_such_db/m);
    // Alert: one labelled issue opened, naming the failure.
    const created = gh.requests.filter((q) => q.method === 'POST' && q.path === '/repos/o/r/issues');
    expect(created).toHaveLength(1);
    expect(created[0].body).toMatchObject({ title: 'pgkeep: backup logical failing', labels: ['pgkeep-alert'] });
    expect(created[0].body.body).toContain('no_such_db');
    expect(created[0].auth).toBe('Bearer ghs_faketoken123');
    // Webhook: Slack-compatible {text}.
    const hooks = gh.requests.filter((q) => q.path === '/hook');
    expect(hooks).toHaveLength(1);
    expect(hooks[0].body.text).toMatch(/pgkeep backup logical FAILED \(o\/r\)/);
    // Status recorded as a failed run on a new orphan branch.
    const status = JSON.parse(gh.filesAt('pgkeep-status')['status.json']);
    expect(status.runs).toHaveLength(1);
    expect(status.runs[0]).toMatchObject({ action: 'backup', kind: 'logical', ok: false, runUrl: 'https://github.example/o/r/actions/runs/77' });
    expect(gh.commits.get(gh.refs.get('pgkeep-status')!)!.parents).toEqual([]);
    // The token and the webhook URL are masked too.
    expect(r.stdout).toContain('::add-mask::ghs_faketoken123');
    expect(r.stdout).toContain(`::add-mask::${gh.url}/hook`);
  });

  it('pg-backup takes a logical backup: outputs, summary table, masking, status commit, alert closed', async () => {
    const r = await runAction('pg-backup', { type: 'logical', 'github-token': 'ghs_faketoken123', 'webhook-url': `${gh.url}/hook` }, env);
    expect(r.stderr + r.stdout).not.toMatch(/::error::/);
    expect(r.code).toBe(0);
    backupId = r.outputs['backup-id'];
    expect(backupId).toMatch(/^\d{8}T\d{6}Z-logical$/);
    // Ground truth: the outputs agree with the manifest written to the repository.
    const manifest = JSON.parse(await fsp.readFile(path.join(repo, 'backups', backupId, 'manifest.json'), 'utf8'));
    expect(Number(r.outputs.bytes)).toBe(manifest.bytes);
    expect(manifest.bytes).toBeGreaterThan(0);
    expect(Number(r.outputs['duration-seconds'])).toBeGreaterThanOrEqual(0);
    // Summary: a table with the backup id, sizes, the escaped odd database name, the recovery window.
    expect(r.summary).toContain(`<tr><th align="left">Backup id</th><td>${backupId}</td></tr>`);
    expect(r.summary).toMatch(/Compression ratio<\/th><td>\d+\.\d×/);
    expect(r.summary).toContain('<code>odd&lt;b&gt;&amp;&quot;db</code>');
    expect(r.summary).not.toContain('odd<b>');
    expect(r.summary).toContain(`Restorable from <strong>${manifest.stopTime}</strong>`);
    // Masking: the runner was told, and the raw value appears nowhere else.
    expect(r.stdout).toContain(`::add-mask::${PASSWORD}`);
    expect(withoutMaskLines(r.stdout) + r.stderr + r.summary).not.toContain(PASSWORD);
    // Status branch: second commit on top of the first, history of two runs, page, badge, chart.
    const files = gh.filesAt('pgkeep-status');
    const status = JSON.parse(files['status.json']);
    expect(status.runs.map((x: any) => x.ok)).toEqual([false, true]);
    expect(status.runs[1]).toMatchObject({ action: 'backup', kind: 'logical', backupId, bytes: manifest.bytes });
    expect(status.window.oldest).toBe(manifest.stopTime);
    expect(files['README.md']).toContain(backupId);
    expect(files['badge.svg']).toMatch(/<svg[^>]*>[\s\S]*restorable to \d+ s ago/);
    expect(files['chart.svg']).toContain('class="size"');
    const head = gh.refs.get('pgkeep-status')!;
    expect(gh.commits.get(head)!.parents).toHaveLength(1);
    // The alert issue from the failed run is commented on and closed; the webhook hears of the recovery.
    expect(gh.issues[0].state).toBe('closed');
    expect(gh.issues[0].comments[0]).toMatch(/^Recovered:/);
    expect(gh.requests.filter((q) => q.path === '/hook').at(-1)!.body.text).toMatch(/recovered/);
  });

  it('redacts a secret that reaches an error message (database named like the password)', async () => {
    const r = await runAction('pg-backup', { type: 'logical', databases: `shop,${PASSWORD}` }, env);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/^::error::/m);
    expect(r.stdout).toContain('***');
    expect(withoutMaskLines(r.stdout) + r.stderr + r.summary).not.toContain(PASSWORD);
  });

  it('pg-restore rejects an unparseable timestamp with an ::error naming the input', async () => {
    const r = await runAction('pg-restore', { timestamp: 'yesterday at noon', 'dry-run': 'true' }, env);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/^::error::Input "timestamp" is "yesterday at noon": expected an ISO-8601 instant/m);
  });

  it('pg-restore rejects a malformed tablespace-map with an ::error naming the input', async () => {
    const r = await runAction('pg-restore', { latest: 'true', target: '/tmp/pgkeep-never-written', 'tablespace-map': '/srv/fast=relative/path', 'dry-run': 'true' }, env);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/^::error::Input "tablespace-map" is "\/srv\/fast=relative\/path": expected OLD=NEW pairs, one per line/m);
  });

  it('pg-restore dry run of one database shows the plan and creates nothing', async () => {
    const r = await runAction('pg-restore', { database: 'shop', target: 'shop_dry', 'dry-run': 'true' }, env);
    expect(r.stdout).not.toMatch(/::error::/);
    expect(r.code).toBe(0);
    expect(r.outputs['backup-id']).toBe(backupId);
    expect(r.summary).toContain('Restore plan (dry run: nothing was written)');
    expect(r.summary).toMatch(/<ol>\n<li>/);
    expect((await c.psql(`select count(*) from pg_database where datname = 'shop_dry'`)).trim()).toBe('0');
  });

  it('pg-restore restores one database into a new one with identical table checksums', async () => {
    const r = await runAction('pg-restore', { database: 'shop', target: 'shop_restored', 'dry-run': 'false' }, env);
    expect(r.stdout).not.toMatch(/::error::/);
    expect(r.code).toBe(0);
    expect(r.outputs['backup-id']).toBe(backupId);
    expect(await tableChecksums(c, 'shop_restored')).toEqual(before);
    expect(r.summary).toContain('<tr><th align="left">Restored into</th><td>shop_restored</td></tr>');
  });

  const restoreTargets = async () =>
    (await c.psql(`select string_agg(datname, ',' order by datname) from pg_database where datname like '%\\_restore'`)).trim();
  // The per-database table of the summary: [database, into, result] per row.
  const databaseRows = (summary: string) =>
    [...summary.matchAll(/<tr><td><code>([^<]*)<\/code><\/td><td><code>([^<]*)<\/code><\/td><td>([^<]*)<\/td><\/tr>/g)].map((m) => m.slice(1));

  it('pg-restore refuses databases with target (or database) in one paragraph naming the input, and creates nothing', async () => {
    for (const [inputs, bad] of [
      [{ databases: 'shop,broken', target: 'shop_copy' }, /^::error::Input "target" is "shop_copy": expected nothing when databases is set: each database in databases is restored from the logical backup into <database>_restore\. Hint: Give one database/m],
      [{ databases: 'shop', database: 'shop' }, /^::error::Input "database" is "shop": expected nothing when databases is set/m],
      [{ databases: 'shop', latest: 'true' }, /^::error::Input "latest" is "true": expected nothing when databases is set/m],
    ] as const) {
      const r = await runAction('pg-restore', inputs, env);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toMatch(bad);
      // One paragraph: a single ::error line, no line break (%0A) and no stack inside it.
      const errors = r.stdout.split('\n').filter((l) => l.startsWith('::error::'));
      expect(errors).toHaveLength(1);
      expect(errors[0]).not.toMatch(/%0A|\bat \S+ \(/);
      expect(r.summary).toContain('Not read');
      expect(r.outputs).toEqual({});
    }
    expect(await restoreTargets()).toBe('');
  });

  it('pg-restore databases: a database that fails is named in the summary table, the one not started after it too; nothing stays', async () => {
    await c.psql('alter table t set tablespace pg_default', 'broken');
    await c.psql('drop tablespace gone');
    const r = await runAction('pg-restore', { databases: 'shop,broken' }, { ...env, PGKEEP_PARALLEL: '1' });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/^::error::Restoring from backup \S+ failed for "broken" \(into "broken_restore": .*gone.*not started after the failure: "shop"/m);
    expect(r.outputs['backup-id']).toBe(backupId);
    const rows = databaseRows(r.summary);
    expect(rows.map(([db, into]) => `${db}→${into}`)).toEqual(['broken→broken_restore', 'shop→shop_restore']);
    expect(rows[0][2]).toMatch(/^failed: .*gone/);
    expect(rows[1][2]).toBe('not started');
    // The failed database was dropped, the one not started never created.
    expect(await restoreTargets()).toBe('');
  });

  it('pg-restore databases: dry run shows one planned row per database and creates nothing', async () => {
    const r = await runAction('pg-restore', { databases: `shop, ${ODD_DB}`, 'dry-run': 'true' }, env);
    expect(r.stdout).not.toMatch(/::error::/);
    expect(r.code).toBe(0);
    expect(r.outputs['backup-id']).toBe(backupId);
    expect(r.summary).toContain('<tr><th>Database</th><th>Into (planned)</th><th>Seconds</th></tr>');
    expect(databaseRows(r.summary)).toHaveLength(2);
    for (const row of databaseRows(r.summary)) expect(row[2]).toBe('dry run');
    expect(r.summary).toContain('Restore plan (dry run: nothing was written)');
    expect(await restoreTargets()).toBe('');
  });

  it('pg-restore databases restores several databases of the backup, each with identical table checksums; summary rows and status record', async () => {
    const r = await runAction('pg-restore', { databases: `shop,${ODD_DB}`, 'github-token': 'ghs_faketoken123' }, env);
    expect(r.stdout).not.toMatch(/::error::/);
    expect(r.code).toBe(0);
    expect(r.outputs['backup-id']).toBe(backupId);
    // As a logical restore of one database: the backup itself, no point in time.
    expect(r.outputs['recovered-to']).toBeUndefined();
    // Ground truth: every restored database holds what its source held at the backup.
    expect(await tableChecksums(c, 'shop_restore')).toEqual(before);
    expect(await tableChecksums(c, `${ODD_DB}_restore`)).toEqual(beforeOdd);
    expect(Object.keys(beforeOdd)).toEqual(['public.notes']);
    // Summary: one row per database (largest dump first), its own seconds; the odd name escaped.
    expect(r.summary).toContain('pgkeep restore (logical, 2 databases)');
    expect(r.summary).toContain('<tr><th>Database</th><th>Restored into</th><th>Seconds</th></tr>');
    const rows = databaseRows(r.summary);
    expect(rows.map(([db, into]) => `${db}→${into}`)).toEqual(['shop→shop_restore', 'odd&lt;b&gt;&amp;&quot;db→odd&lt;b&gt;&amp;&quot;db_restore']);
    for (const [, , secs] of rows) expect(secs).toMatch(/^\d+\.\d$/);
    expect(r.summary).not.toContain('odd<b>');
    // Status record: the run and the databases it restored.
    const status = JSON.parse(gh.filesAt('pgkeep-status')['status.json']);
    expect(status.runs.at(-1)).toMatchObject({ action: 'restore', kind: 'logical', ok: true, backupId, databases: ['shop', ODD_DB], dryRun: false });
  });

  it('pg-verify check passes on the intact repository', async () => {
    const r = await runAction('pg-verify', { mode: 'check', backup: backupId }, env);
    expect(r.stdout).not.toMatch(/::error::/);
    expect(r.code).toBe(0);
    expect(r.outputs.status).toBe('passed');
    expect(r.summary).toContain('Verification: passed');
  });

  it('pg-verify rejects mode: bogus naming the input', async () => {
    const r = await runAction('pg-verify', { mode: 'bogus' }, env);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/^::error::Input "mode" is "bogus": expected check or drill\./m);
    expect(r.outputs.status).toBe('failed');
  });

  it('pg-verify fails the dead-man check when the newest backup is older than max-age-hours', async () => {
    await new Promise((res) => setTimeout(res, 1500));
    const r = await runAction('pg-verify', { mode: 'check', backup: backupId, 'max-age-hours': '0.0002' }, env);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/^::error::The repository is stale: The newest logical backup .* more than the allowed 0\.0002 h/m);
  });

  it('pg-verify check fails when a stored byte is flipped, listing the damaged object', async () => {
    const manifest = JSON.parse(await fsp.readFile(path.join(repo, 'backups', backupId, 'manifest.json'), 'utf8'));
    const obj = manifest.objects.find((o: any) => o.database === 'shop') ?? manifest.objects[0];
    const file = path.join(repo, 'backups', backupId, obj.name);
    const buf = await fsp.readFile(file);
    buf[Math.floor(buf.length / 2)] ^= 0xff;
    await fsp.writeFile(file, buf);
    const r = await runAction('pg-verify', { mode: 'check', backup: backupId, 'github-token': 'ghs_faketoken123' }, env);
    expect(r.code).not.toBe(0);
    expect(r.outputs.status).toBe('failed');
    expect(r.stdout).toMatch(/^::error::Verification \(check\) found \d+ problem/m);
    expect(r.summary).toContain('Verification: FAILED');
    expect(r.stdout).toMatch(new RegExp(`^warning: .*${obj.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'm'));
    expect(r.summary).toContain(obj.name.replace(/&/g, '&amp;').replace(/</g, '&lt;'));
    // A new alert issue is opened (the previous one was closed).
    expect(gh.issues.filter((i) => i.state === 'open')).toHaveLength(1);
  });
});

describe('physical backup, point-in-time restore and drill through the actions', () => {
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let env: Record<string, string>;
  let work: string;
  let fullId: string;
  let target: string;
  let restored: LocalCluster | undefined;

  const count = async (cl: LocalCluster) => Number((await cl.psql('select count(*) from t', 'core')).trim());
  async function waitArchived(): Promise<void> {
    const current = (await c.psql('select pg_walfile_name(pg_current_wal_lsn())')).trim();
    await c.psql('select pg_switch_wal()');
    const end = Date.now() + 60_000;
    while (Date.now() < end) {
      const last = (await c.psql('select coalesce(last_archived_wal, \'\') from pg_stat_archiver')).trim();
      if (last >= current) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`WAL ${current} was not archived within 60 s`);
  }

  beforeAll(async () => {
    repo = await makeServerRepo();
    c = await startCluster(archivingSettings(repo.url));
    env = { ...c.env, PGKEEP_REPO: repo.url, PGKEEP_PG_BINDIR: binDir() };
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-actions-pitr-'));
    await fsp.chmod(work, 0o755);
    await c.psql('create database core');
    await c.psql(`create table t(id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 10000) g`, 'core');
  });
  afterAll(async () => {
    await restored?.destroy();
    await c?.destroy();
    if (work) await fsp.rm(work, { recursive: true, force: true });
    if (repo) await fsp.rm(repo.dir, { recursive: true, force: true });
  });

  it('pg-backup type: full writes a full backup and reports it', async () => {
    const r = await runAction('pg-backup', { type: 'full', checkpoint: 'fast' }, env);
    expect(r.stdout).not.toMatch(/::error::/);
    expect(r.code).toBe(0);
    fullId = r.outputs['backup-id'];
    expect(fullId).toMatch(/-full$/);
    const manifest = JSON.parse(await fsp.readFile(path.join(repo.dir, 'backups', fullId, 'manifest.json'), 'utf8'));
    expect(Number(r.outputs.bytes)).toBe(manifest.bytes);
    expect(r.summary).toContain(`<tr><th align="left">Backup id</th><td>${fullId}</td></tr>`);
  });

  it('pg-restore restores to a timestamp: dry run writes nothing, the real run recovers exactly the rows committed by then', async () => {
    await c.psql(`insert into t select g, 'a' from generate_series(10001, 11000) g`, 'core');
    const at = (await c.psql(`select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`)).trim();
    await new Promise((r) => setTimeout(r, 1100));
    await c.psql(`insert into t select g, 'b' from generate_series(11001, 12000) g`, 'core');
    await waitArchived();
    target = path.join(work, 'restored');

    const dry = await runAction('pg-restore', { timestamp: at, target, 'dry-run': 'true' }, env);
    expect(dry.stdout).not.toMatch(/::error::/);
    expect(dry.code).toBe(0);
    expect(dry.outputs['backup-id']).toBe(fullId);
    expect(dry.summary).toContain('Restore plan (dry run: nothing was written)');
    expect(await fsp.readdir(work)).toEqual([]);

    const r = await runAction('pg-restore', { timestamp: at, target, 'dry-run': 'false' }, env);
    expect(r.stdout).not.toMatch(/::error::/);
    expect(r.code).toBe(0);
    expect(r.outputs['backup-id']).toBe(fullId);
    // restore_command calls the CLI bundle beside the action's, never the action itself.
    const auto = await fsp.readFile(path.join(target, 'postgresql.auto.conf'), 'utf8');
    expect(auto).toContain(path.join(REPO_ROOT, 'dist/cli/index.js'));
    expect(auto).not.toContain('pg-restore');
    restored = await Cluster.create({ binDir: binDir(), existingDataDir: target, settings: { archive_mode: 'off' } });
    await restored.start();
    const end = Date.now() + 60_000;
    while ((await restored.psql('select pg_is_in_recovery()')).trim() === 't' && Date.now() < end) await new Promise((res) => setTimeout(res, 200));
    expect(await count(restored)).toBe(11000);
    await restored.destroy();
    restored = undefined;
  });

  it('pg-verify mode: drill restores the full backup, passes and reports an RTO', async () => {
    const r = await runAction('pg-verify', { mode: 'drill' }, env);
    expect(r.stdout).not.toMatch(/::error::/);
    expect(r.code).toBe(0);
    expect(r.outputs.status).toBe('passed');
    expect(Number(r.outputs['rto-seconds'])).toBeGreaterThan(0);
    expect(r.summary).toMatch(/<th align="left">RTO<\/th><td>[\d.]+ s<\/td>/);
  });
});

describe('actions against an S3 repository given as the repo input', () => {
  let c: LocalCluster;
  let s3: TestS3;
  let env: Record<string, string>;
  let repoUrl: string;
  let before: Record<string, string>;

  beforeAll(async () => {
    s3 = await startS3();
    repoUrl = `s3://${await s3.bucket('actions')}/prod`;
    c = await startCluster();
    await c.psql('create database shop');
    await c.psql(`create table orders(id int primary key, item text); insert into orders select g, 'item ' || g from generate_series(1, 3000) g`, 'shop');
    before = await tableChecksums(c, 'shop');
    // No PGKEEP_REPO: the repo input is the only repository setting.
    env = { ...c.env, ...s3.env, PGKEEP_PG_BINDIR: binDir() } as Record<string, string>;
  });
  afterAll(async () => {
    await c?.destroy();
    await s3?.stop();
  });

  it('backs up, verifies and restores one database; the S3 secret key is masked', async () => {
    const b = await runAction('pg-backup', { type: 'logical', databases: 'shop', repo: repoUrl }, env);
    expect(b.stdout).not.toMatch(/::error::/);
    expect(b.code).toBe(0);
    expect(b.outputs['backup-id']).toMatch(/-logical$/);
    expect(b.stdout).toContain(`::add-mask::${s3.secretAccessKey}`);
    expect(withoutMask(b.stdout) + b.stderr + b.summary).not.toContain(s3.secretAccessKey);

    const v = await runAction('pg-verify', { mode: 'check', repo: repoUrl }, env);
    expect(v.stdout).not.toMatch(/::error::/);
    expect(v.outputs.status).toBe('passed');

    const r = await runAction('pg-restore', { database: 'shop', target: 'shop_from_s3', repo: repoUrl }, env);
    expect(r.stdout).not.toMatch(/::error::/);
    expect(r.outputs['backup-id']).toBe(b.outputs['backup-id']);
    expect(await tableChecksums(c, 'shop_from_s3')).toEqual(before);
  });
});

const withoutMask = (s: string) => s.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
