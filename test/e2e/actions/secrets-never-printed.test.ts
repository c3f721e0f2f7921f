// Planted secrets (a password in PGPASSWORD and one in DATABASE_URL, AWS keys, an S3 URL with
// user:pass, a GitHub token, an age identity) never reach what pgkeep prints, writes or hands
// to others: every line of a representative set of CLI runs (the bundle, one process each, so
// no secret registered by an earlier run can hide a leak) and action runs (stdout, stderr, job
// summary, outputs), what the actions send to GitHub (status branch files, alert issue), the
// restored data directory's postgresql.auto.conf, and the argv of every PostgreSQL tool pgkeep
// spawned (PGKEEP_PG_BINDIR points at wrappers that log their arguments).
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateIdentity, identityToRecipient } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { archivingSettings, makeServerRepo } from '../../helpers/archiving.js';
import { pgkeepBundle } from '../../helpers/cli.js';
import { binDir, startCluster } from '../../helpers/pg.js';
import { ensureActionBundles } from './action-bundles.js';
import { startFakeGitHub, type FakeGitHub } from './fake-github.js';
import { runAction } from './run-action.js';

const PG_PASSWORD = 'Pgpw-Planted-5521';
// '@' and '/' must be percent-encoded in the URL: neither form may leak.
const URL_PASSWORD = 'UrlPw@Planted/3317';
const AWS_SECRET = 'AwsSecret-Planted-9931xyz';
const AWS_SESSION = 'AwsSession-Planted-4471';
const S3_URL_PASSWORD = 'S3UrlPw-Planted-2209';
const GITHUB_TOKEN = 'ghs_PlantedToken7781';
const WRONG_PASSWORD = 'Wrong-Planted-6650';

beforeAll(ensureActionBundles, 900_000);

describe('secrets never reach output, GitHub, argv or postgresql.auto.conf', () => {
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let encRepo: string;
  let work: string;
  let wrapDir: string;
  let argvLog: string;
  let gh: FakeGitHub;
  let identity: string;
  let otherIdentity: string;
  let recipient: string;
  let env: Record<string, string>;
  let urlEnv: Record<string, string>;
  /** Everything printed or written that a person or another system can read, with where it came from. */
  const printed: { what: string; text: string }[] = [];
  const secrets = () => [PG_PASSWORD, URL_PASSWORD, encodeURIComponent(URL_PASSWORD), AWS_SECRET, AWS_SESSION, S3_URL_PASSWORD, GITHUB_TOKEN, WRONG_PASSWORD, identity, otherIdentity];

  async function cli(args: string[], e: Record<string, string>) {
    const r = await pgkeepBundle(args, e);
    printed.push({ what: `pgkeep ${args.join(' ')} (stdout)`, text: r.stdout }, { what: `pgkeep ${args.join(' ')} (stderr)`, text: r.stderr });
    return r;
  }
  async function action(name: string, inputs: Record<string, string>, e: Record<string, string>) {
    const r = await runAction(name, inputs, e);
    // The runner needs the raw value once to mask it: that line is the one exception.
    const stdout = r.stdout.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
    printed.push(
      { what: `${name} stdout`, text: stdout },
      { what: `${name} stderr`, text: r.stderr },
      { what: `${name} summary`, text: r.summary },
      { what: `${name} outputs`, text: JSON.stringify(r.outputs) },
    );
    return r;
  }

  beforeAll(async () => {
    repo = await makeServerRepo();
    c = await startCluster(archivingSettings(repo.url));
    await c.psql(`create role keeper superuser login password '${PG_PASSWORD}'`);
    await c.psql(`create role urlkeeper superuser login password '${URL_PASSWORD}'`);
    await c.psql(`create database shop`);
    await c.psql(`create table t(id int primary key, v text); insert into t select g, 'row ' || g from generate_series(1, 500) g;`, 'shop');
    // Password authentication for the two roles over TCP (the rest of the cluster stays trust).
    const hba = path.join(c.dataDir, 'pg_hba.conf');
    const lines = ['keeper', 'urlkeeper'].flatMap((r) => [`host all ${r} 127.0.0.1/32 scram-sha-256`, `host replication ${r} 127.0.0.1/32 scram-sha-256`]);
    await fsp.writeFile(hba, lines.join('\n') + '\n' + (await fsp.readFile(hba, 'utf8')));
    await c.psql('select pg_reload_conf()');

    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-secrets-'));
    encRepo = path.join(work, 'enc-repo');
    // Every PostgreSQL tool pgkeep runs goes through a wrapper that logs its argv.
    wrapDir = path.join(work, 'bin');
    argvLog = path.join(work, 'argv.log');
    await fsp.mkdir(wrapDir);
    for (const tool of await fsp.readdir(binDir())) {
      const real = path.join(binDir(), tool);
      await fsp.writeFile(path.join(wrapDir, tool), `#!/bin/sh\nprintf '%s\\n' "${tool} $*" >> '${argvLog}'\nexec '${real}' "$@"\n`, { mode: 0o755 });
    }
    gh = await startFakeGitHub('o/r');
    identity = await generateIdentity();
    otherIdentity = await generateIdentity();
    recipient = await identityToRecipient(identity);
    const common = {
      PGKEEP_REPO: repo.url,
      PGKEEP_PG_BINDIR: wrapDir,
      AWS_ACCESS_KEY_ID: 'AKIAPLANTEDKEYID',
      AWS_SECRET_ACCESS_KEY: AWS_SECRET,
      AWS_SESSION_TOKEN: AWS_SESSION,
      GITHUB_TOKEN,
    };
    env = { ...common, PGHOST: '127.0.0.1', PGPORT: String(c.port), PGUSER: 'keeper', PGPASSWORD: PG_PASSWORD, PGDATABASE: 'postgres' };
    urlEnv = { ...common, DATABASE_URL: `postgresql://urlkeeper:${encodeURIComponent(URL_PASSWORD)}@127.0.0.1:${c.port}/postgres` };
  }, 120_000);
  afterAll(async () => {
    await c?.destroy();
    await gh?.close();
    if (work) await fsp.rm(work, { recursive: true, force: true });
    if (repo) await fsp.rm(repo.dir, { recursive: true, force: true });
  });

  it('backs up, lists, verifies and restores with the planted secrets in the environment', async () => {
    for (const e of [env, urlEnv]) {
      const r = await cli(['backup', '--type', 'logical', '--json'], e);
      expect(r.stderr + r.stdout).toMatch(/"id"/);
      expect(r.code).toBe(0);
    }
    const full = await cli(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], env);
    expect(full.code).toBe(0);
    for (const args of [['list'], ['list', '--json'], ['status'], ['status', '--json'], ['config'], ['config', '--json'], ['verify'], ['verify', '--json']]) {
      const r = await cli(args, env);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }
    const target = path.join(work, 'restored');
    expect((await cli(['restore', '--immediate', '--to', target, '--dry-run'], env)).code).toBe(0);
    const real = await cli(['restore', '--immediate', '--to', target], env);
    expect(real.code, real.stderr).toBe(0);
    const autoConf = await fsp.readFile(path.join(target, 'postgresql.auto.conf'), 'utf8');
    expect(autoConf).toContain('restore_command');
    printed.push({ what: 'restored postgresql.auto.conf', text: autoConf });
    expect((await cli(['restore', '--logical', '--database', 'shop', '--dry-run'], urlEnv)).code).toBe(0);
    const logical = await cli(['restore', '--logical', '--database', 'shop', '--into', 'shop_copy', '--json'], urlEnv);
    expect(logical.code, logical.stderr).toBe(0);
    expect((await c.psql('select count(*) from t', 'shop_copy')).trim()).toBe('500');
  }, 300_000);

  it('fails without echoing wrong or refused credentials', async () => {
    // A real segment, so wal-push gets as far as the (unreachable) bucket.
    const walDir = path.join(c.dataDir, 'pg_wal');
    const segment = path.join(work, (await fsp.readdir(walDir)).filter((f) => /^[0-9A-F]{24}$/.test(f)).sort()[0]);
    await fsp.copyFile(path.join(walDir, path.basename(segment)), segment);
    const fails: [string[], Record<string, string>][] = [
      [['backup', '--type', 'logical'], { ...env, PGPASSWORD: WRONG_PASSWORD }],
      [['backup', '--type', 'full', '--json'], { ...urlEnv, DATABASE_URL: urlEnv.DATABASE_URL.replace(encodeURIComponent(URL_PASSWORD), WRONG_PASSWORD) }],
      [['status'], { ...urlEnv, DATABASE_URL: `postgresql://urlkeeper:${WRONG_PASSWORD}@127.0.0.1:notaport/postgres` }],
      [['list'], { ...env, PGKEEP_REPO: `s3://AKIAPLANTED:${S3_URL_PASSWORD}@bucket/prefix` }],
      [['list', '--json', '--repo', `s3://AKIAPLANTED:${S3_URL_PASSWORD}@bucket/prefix`], env],
      [['wal-push', segment], { ...env, PGKEEP_REPO: 's3://bucket/prefix', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1', PGKEEP_S3_MAX_ATTEMPTS: '1' }],
      [['wal-fetch', '000000010000000000000001', path.join(work, 'fetched')], { ...env, PGKEEP_REPO: 's3://bucket/prefix', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:1', PGKEEP_S3_MAX_ATTEMPTS: '1' }],
      [['list'], { ...env, PGKEEP_REPO: 's3://bucket/prefix', AWS_ENDPOINT_URL_S3: `http://user:${S3_URL_PASSWORD}@127.0.0.1:1`, PGKEEP_S3_MAX_ATTEMPTS: '1' }],
    ];
    for (const [args, e] of fails) {
      const r = await cli(args, e);
      expect(r.code, `${args.join(' ')} should fail`).not.toBe(0);
      expect(r.stderr.trim().length, `${args.join(' ')} says why`).toBeGreaterThan(0);
    }
  }, 120_000);

  it('age: encrypted backup and restore with the identity as a value; a wrong identity fails', async () => {
    const e = { ...env, PGKEEP_REPO: `file://${encRepo}`, PGKEEP_AGE_RECIPIENTS: recipient, PGKEEP_AGE_IDENTITY: identity };
    expect((await cli(['backup', '--type', 'logical', '--databases', 'shop', '--json'], e)).code).toBe(0);
    expect((await cli(['verify', '--json'], e)).code).toBe(0);
    const ok = await cli(['restore', '--logical', '--database', 'shop', '--into', 'shop_age', '--json'], e);
    expect(ok.code, ok.stderr).toBe(0);
    const bad = await cli(['restore', '--logical', '--database', 'shop', '--into', 'shop_age2'], { ...e, PGKEEP_AGE_IDENTITY: otherIdentity });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('PGKEEP_AGE_IDENTITY');
    const config = await cli(['config', '--json'], e);
    expect(config.code).toBe(0);
  }, 120_000);

  it('actions with secret inputs: outputs, summaries, status branch and alert carry none', async () => {
    const ghEnv = { ...env, GITHUB_REPOSITORY: 'o/r', GITHUB_API_URL: gh.url, GITHUB_SERVER_URL: 'https://github.example', GITHUB_RUN_ID: '5' };
    const secretInputs = { 'github-token': GITHUB_TOKEN, 'age-recipients': recipient, 'age-identity': identity };
    const failed = await action('pg-backup', { type: 'logical', ...secretInputs }, { ...ghEnv, PGPASSWORD: WRONG_PASSWORD });
    expect(failed.code).not.toBe(0);
    const b = await action('pg-backup', { type: 'logical', databases: 'shop', repo: `file://${encRepo}`, ...secretInputs }, ghEnv);
    expect(b.code, b.stdout).toBe(0);
    const r = await action('pg-restore', { database: 'shop', target: 'shop_action', 'dry-run': 'false', repo: `file://${encRepo}`, ...secretInputs }, ghEnv);
    expect(r.code, r.stdout).toBe(0);
    const v = await action('pg-verify', { mode: 'check', repo: `file://${encRepo}`, ...secretInputs }, { ...ghEnv, ...urlEnv, PGPASSWORD: '' });
    expect(v.code, v.stdout).toBe(0);
    const refused = await action('pg-verify', { mode: 'check', repo: `s3://AKIAPLANTED:${S3_URL_PASSWORD}@bucket/p`, ...secretInputs }, ghEnv);
    expect(refused.code).not.toBe(0);
    // What went to GitHub: the token only in the Authorization header, nowhere in a body.
    expect(gh.requests.some((q) => q.auth === `Bearer ${GITHUB_TOKEN}`)).toBe(true);
    for (const q of gh.requests) printed.push({ what: `GitHub ${q.method} ${q.path}`, text: `${q.path}\n${JSON.stringify(q.body ?? '')}` });
    for (const [file, text] of Object.entries(gh.filesAt('pgkeep-status'))) printed.push({ what: `status branch ${file}`, text });
    expect(gh.issues.length).toBeGreaterThan(0);
  }, 300_000);

  it('no planted secret appears in anything printed, sent or written, nor in any tool argv', async () => {
    const argv = await fsp.readFile(argvLog, 'utf8');
    expect(argv).toMatch(/^pg_dump /m);
    expect(argv).toMatch(/^pg_restore /m);
    printed.push({ what: 'argv of spawned PostgreSQL tools', text: argv });
    // Also what ran while these tests ran: no process's command line carries a secret.
    printed.push({ what: 'ps', text: execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }) });
    expect(printed.length).toBeGreaterThan(60);
    // The refusals were reached and redacted, not skipped.
    expect(printed.some((p) => p.text.includes('"s3://***@bucket/prefix" is not valid'))).toBe(true);
    expect(printed.some((p) => p.text.includes('password authentication failed for user "urlkeeper"'))).toBe(true);
    if (process.env.PGKEEP_TEST_DUMP_PRINTED) await fsp.writeFile(process.env.PGKEEP_TEST_DUMP_PRINTED, printed.map((p) => `=== ${p.what}\n${p.text}`).join('\n'));
    const leaks = printed.flatMap(({ what, text }) => secrets().filter((s) => text.includes(s)).map((s) => `${what}: ${s.slice(0, 12)}…`));
    expect(leaks).toEqual([]);
  });
});
