// restore_command with literal % signs, on a real server of the run's major: the S3 endpoint from
// AWS_ENDPOINT_URL_S3 rides in the repository URL URL-encoded (endpoint=http%3A%2F%2F…), and the
// node binary and CLI bundle sit in a directory whose name holds "%f" and "%p". PostgreSQL 16+
// refuses unknown % placeholders ("invalid value for parameter restore_command"), and every
// major substitutes %f/%p inside a path; pgkeep must double each literal %.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, cpSync, existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalCluster, freePort, serverRunAs } from '../../../src/postgres/local-cluster.js';
import { withClient } from '../../../src/postgres/client.js';
import { runTool } from '../../../src/postgres/pg-tools.js';
import { setLogSink } from '../../../src/util/log.js';
import { archivingSettings, serverReadableCli } from '../../helpers/archiving.js';
import { pgkeep } from '../../helpers/cli.js';
import { PG_MAJOR, binDir } from '../../helpers/pg.js';
import { startS3, type TestS3 } from '../../helpers/s3.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`restore_command with % in the S3 endpoint and in the CLI's path (PostgreSQL ${PG_MAJOR})`, () => {
  let s3: TestS3;
  let c: LocalCluster;
  let env: Record<string, string>;
  let awsEnv: Record<string, string>;
  let work: string;
  const running: string[] = [];

  async function stopDir(dir: string): Promise<void> {
    if (!existsSync(path.join(dir, 'postmaster.pid'))) return;
    await runTool(binDir(), 'pg_ctl', ['-D', dir, '-m', 'immediate', '-w', 'stop'], { ...serverRunAs(), what: 'pg_ctl stop' }).catch(() => undefined);
  }

  beforeAll(async () => {
    setLogSink(() => undefined);
    s3 = await startS3();
    const bucket = await s3.bucket('pct');
    awsEnv = Object.fromEntries(Object.entries(s3.env).filter(([, v]) => v !== undefined)) as Record<string, string>;
    expect(awsEnv.AWS_ENDPOINT_URL_S3).toMatch(/^http:\/\//);
    const repoUrl = `s3://${bucket}/prod`;
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-pct-'));
    await fsp.chmod(work, 0o755);
    // The CLI where restore_command must name it literally: a directory called "cli-%f-%p".
    const cliDir = path.join(work, 'cli-%f-%p');
    await fsp.mkdir(cliDir, { mode: 0o755 });
    const cli = serverReadableCli();
    copyFileSync(cli.node, path.join(cliDir, 'node'));
    cpSync(path.dirname(cli.bundle), cliDir, { recursive: true });
    await fsp.chmod(path.join(cliDir, 'node'), 0o755);
    c = await LocalCluster.create({ binDir: binDir(), settings: archivingSettings(repoUrl) });
    await c.start(60, awsEnv);
    env = {
      ...c.env,
      ...awsEnv,
      PGKEEP_REPO: repoUrl,
      PGKEEP_NODE_PATH: path.join(cliDir, 'node'),
      PGKEEP_CLI_PATH: path.join(cliDir, 'index.js'),
      PGKEEP_RESTORE_ARCHIVE_MODE: 'off',
      // Every segment through restore_command (nothing staged by the restore itself).
      PGKEEP_RESTORE_STAGE_SEGMENTS: '0',
    };
    await c.psql('create table t(id int primary key)');
    const b = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast'], env);
    expect(b.code, b.stderr).toBe(0);
    await c.psql('insert into t select generate_series(1, 500)');
    const seg = (await c.psql('select pg_walfile_name(pg_switch_wal())')).trim();
    const end = Date.now() + 60_000;
    while ((await c.psql(`select coalesce(last_archived_wal, '') from pg_stat_archiver`)).trim() < seg) {
      if (Date.now() > end) throw new Error(`segment ${seg} was not archived`);
      await sleep(100);
    }
  });

  afterAll(async () => {
    for (const d of running) await stopDir(d);
    await c?.destroy();
    await s3?.stop();
    if (work) await fsp.rm(work, { recursive: true, force: true });
    setLogSink((l) => process.stderr.write(l + '\n'));
  });

  it('restore --latest --start replays every archived row through that restore_command', async () => {
    const dir = path.join(work, 'restored');
    const port = await freePort();
    running.push(dir);
    const r = await pgkeep(['restore', '--latest', '--to', dir, '--start', '--port', String(port)], env);
    expect(r.code, r.stderr).toBe(0);
    const auto = await fsp.readFile(path.join(dir, 'postgresql.auto.conf'), 'utf8');
    expect(auto).toMatch(/endpoint=http%%3A%%2F%%2F127\.0\.0\.1%%3A\d+/);
    expect(auto).toContain('/cli-%%f-%%p/index.js');
    const n = await withClient({ PGHOST: '127.0.0.1', PGPORT: String(port), PGUSER: 'postgres' }, 'postgres', async (cl) =>
      Number((await cl.query<{ n: string }>('select count(*)::text as n from t')).rows[0].n),
    );
    expect(n).toBe(500);
    await stopDir(dir);
  });

  it.runIf(PG_MAJOR >= 16)('(the same line with single % signs, as pgkeep wrote it before, is refused by this server)', async () => {
    const dir = path.join(work, 'single-percent');
    const w = await pgkeep(['restore', '--latest', '--to', dir], env);
    expect(w.code, w.stderr).toBe(0);
    const conf = path.join(dir, 'postgresql.auto.conf');
    await fsp.writeFile(conf, (await fsp.readFile(conf, 'utf8')).replace(/%%/g, '%'));
    const sock = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-sock-'));
    await fsp.chmod(sock, 0o777);
    const log = path.join(sock, 'log');
    running.push(dir);
    const port = await freePort();
    await runTool(binDir(), 'pg_ctl', ['-D', dir, '-l', log, '-o', `-p ${port} -k ${sock} -c listen_addresses=127.0.0.1`, '-w', '-t', '30', 'start'], { ...serverRunAs(), env: awsEnv, what: 'pg_ctl start' }).catch(() => undefined);
    await sleep(500);
    expect(await fsp.readFile(log, 'utf8')).toMatch(/invalid value for parameter "restore_command"/);
    await fsp.rm(sock, { recursive: true, force: true });
  });
});
