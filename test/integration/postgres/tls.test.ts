// Connections follow libpq's TLS rules (sslmode, sslrootcert, sslcert/sslkey, sslcrl,
// sslnegotiation), for node-postgres, BASE_BACKUP and the tools pgkeep runs. One TLS-only server
// (hostssl lines, `hostnossl … reject`) with a CA, a server certificate (localhost/127.0.0.1) and
// a client certificate made here with openssl; a second, TLS-less server for the fallbacks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalCluster, chownForServer } from '../../../src/postgres/local-cluster.js';
import { withClient, type PgEnv } from '../../../src/postgres/client.js';
import { PgkeepError } from '../../../src/util/errors.js';
import { loadConfig } from '../../../src/config/config.js';
import { manifestKey } from '../../../src/repo/layout.js';
import { binDir, startCluster } from '../../helpers/pg.js';
import { pgkeep } from '../../helpers/cli.js';
import { incrementalPg } from '../../helpers/pg17.js';
import { archivingSettings, extractBase, makeServerRepo } from '../../helpers/archiving.js';

const pg17 = incrementalPg();

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a second unrelated CA, a server certificate for localhost/127.0.0.1, a client certificate for `certuser`, a CRL revoking the server. */
async function makeCertificates(dir: string): Promise<void> {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  const caExt = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];
  openssl(['req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=pgkeep test CA', ...caExt], dir);
  openssl(['req', '-x509', ...ec, '-keyout', 'other-ca.key', '-out', 'other-ca.crt', '-days', '2', '-subj', '/CN=pgkeep other CA', ...caExt], dir);
  await fsp.writeFile(path.join(dir, 'server.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(['req', '-new', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost'], dir);
  openssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '1001', '-out', 'server.crt', '-days', '2', '-extfile', 'server.ext'], dir);
  openssl(['req', '-new', ...ec, '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=certuser'], dir);
  openssl(['x509', '-req', '-in', 'client.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-set_serial', '2001', '-out', 'client.crt', '-days', '2'], dir);
  // A CRL from the CA that revokes the server certificate (openssl ca needs its little database).
  await fsp.writeFile(path.join(dir, 'index.txt'), '');
  await fsp.writeFile(path.join(dir, 'crlnumber'), '01\n');
  await fsp.writeFile(
    path.join(dir, 'ca.cnf'),
    `[ ca ]\ndefault_ca = test\n[ test ]\ndatabase = ${dir}/index.txt\ncrlnumber = ${dir}/crlnumber\ndefault_md = sha256\ndefault_crl_days = 2\n`,
  );
  openssl(['ca', '-config', 'ca.cnf', '-keyfile', 'ca.key', '-cert', 'ca.crt', '-revoke', 'server.crt'], dir);
  openssl(['ca', '-config', 'ca.cnf', '-keyfile', 'ca.key', '-cert', 'ca.crt', '-gencrl', '-out', 'revoked-server.crl'], dir);
  for (const f of ['ca.key', 'other-ca.key', 'server.key', 'client.key']) await fsp.chmod(path.join(dir, f), 0o600);
}

async function connectError(env: PgEnv): Promise<PgkeepError> {
  try {
    await withClient(env, 'postgres', async () => undefined);
  } catch (e) {
    expect(e).toBeInstanceOf(PgkeepError);
    return e as PgkeepError;
  }
  throw new Error(`expected the connection to fail for ${JSON.stringify(env)}`);
}

/** Whether this session runs over TLS, and as whom. */
async function session(env: PgEnv): Promise<{ ssl: boolean; user: string }> {
  return withClient(env, 'postgres', async (c) => {
    const r = await c.query<{ ssl: boolean; u: string }>('select ssl, current_user as u from pg_stat_ssl where pid = pg_backend_pid()');
    return { ssl: r.rows[0].ssl, user: r.rows[0].u };
  });
}

describe('TLS like libpq', () => {
  let c: LocalCluster;
  let plain: LocalCluster | undefined;
  let certs: string;
  let home: string;
  let repo: { dir: string; url: string };
  let base: PgEnv;
  const savedHome = process.env.HOME;

  beforeAll(async () => {
    certs = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-tls-'));
    await fsp.chmod(certs, 0o755);
    await makeCertificates(certs);
    // The server (user postgres when we run as root) reads its own key, which must be 0600 and its own.
    for (const f of ['server.key', 'server.crt', 'ca.crt']) {
      await fsp.copyFile(path.join(certs, f), path.join(certs, `pg-${f}`));
      await chownForServer(path.join(certs, `pg-${f}`));
    }
    // An empty home: no ~/.postgresql/root.crt or postgresql.crt of the machine's user interferes.
    home = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-tls-home-'));
    process.env.HOME = home;
    repo = await makeServerRepo();
    c = await LocalCluster.create({
      binDir: binDir(),
      settings: {
        ...archivingSettings(repo.url),
        listen_addresses: '127.0.0.1,127.0.0.2',
        ssl: 'on',
        ssl_cert_file: path.join(certs, 'pg-server.crt'),
        ssl_key_file: path.join(certs, 'pg-server.key'),
        ssl_ca_file: path.join(certs, 'pg-ca.crt'),
      },
    });
    const hba = [
      'local all all trust',
      'hostssl all certuser 0.0.0.0/0 cert',
      'hostssl all pwuser 0.0.0.0/0 scram-sha-256',
      'hostssl all all 0.0.0.0/0 trust',
      'hostssl replication all 0.0.0.0/0 trust',
      'hostnossl all all 0.0.0.0/0 reject',
    ];
    await fsp.writeFile(path.join(c.dataDir, 'pg_hba.conf'), hba.join('\n') + '\n');
    await chownForServer(path.join(c.dataDir, 'pg_hba.conf'));
    await c.start();
    await c.psql(`create role certuser login; set password_encryption = 'scram-sha-256'; create role pwuser login password 'tls-test-pw'`);
    await c.psql('create database core');
    await c.psql(`create table t(id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1, 5000) g`, 'core');
    base = { PGHOST: '127.0.0.1', PGPORT: String(c.port), PGUSER: 'postgres', PGDATABASE: 'postgres' };
    // As in production, archive_command (the server's user) starts the repository before any backup.
    await c.psql('select pg_switch_wal()');
    for (let i = 0; i < 150 && (await c.psql('select archived_count from pg_stat_archiver')).trim() === '0'; i++) await new Promise((r) => setTimeout(r, 200));
  });
  afterAll(async () => {
    process.env.HOME = savedHome;
    await c?.destroy();
    await plain?.destroy();
    for (const d of [certs, home, repo?.dir]) if (d) await fsp.rm(d, { recursive: true, force: true });
  });

  it('prefer (PGSSLMODE unset) connects over TLS to a server that accepts only TLS', async () => {
    expect(await session(base)).toEqual({ ssl: true, user: 'postgres' });
    expect(await session({ ...base, PGSSLMODE: 'prefer' })).toEqual({ ssl: true, user: 'postgres' });
  });

  it('disable is refused, and the error quotes pg_hba.conf instead of blaming the password', async () => {
    const e = await connectError({ ...base, PGSSLMODE: 'disable' });
    expect(e.message).toContain('pg_hba.conf rejects connection for host "127.0.0.1", user "postgres", database "postgres"');
    expect(e.message).not.toMatch(/authentication failed/i);
    expect(e.hint).toMatch(/PGSSLMODE/);
    expect(`${e.message} ${e.hint}`).not.toMatch(/PGPASSWORD/);
    // The CLI says the same.
    const r = await pgkeep(['backup', '--type', 'logical', '--databases', 'core'], { ...base, PGSSLMODE: 'disable', PGKEEP_REPO: repo.url });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('pg_hba.conf rejects connection');
  });

  it('allow tries without TLS first, then with TLS when the server refuses', async () => {
    expect(await session({ ...base, PGSSLMODE: 'allow' })).toEqual({ ssl: true, user: 'postgres' });
  });

  it('require encrypts without checking the certificate when no root certificate exists', async () => {
    expect(await session({ ...base, PGSSLMODE: 'require' })).toEqual({ ssl: true, user: 'postgres' });
  });

  it('require with a root certificate checks the chain (verify-ca), as libpq does', async () => {
    expect(await session({ ...base, PGSSLMODE: 'require', PGSSLROOTCERT: path.join(certs, 'ca.crt') })).toEqual({ ssl: true, user: 'postgres' });
    const e = await connectError({ ...base, PGSSLMODE: 'require', PGSSLROOTCERT: path.join(certs, 'other-ca.crt') });
    expect(e.message).toMatch(/certificate/i);
  });

  it('verify-full passes with the right CA and fails clearly with a wrong one', async () => {
    expect(await session({ ...base, PGSSLMODE: 'verify-full', PGSSLROOTCERT: path.join(certs, 'ca.crt') })).toEqual({ ssl: true, user: 'postgres' });
    expect(await session({ ...base, PGHOST: 'localhost', PGSSLMODE: 'verify-full', PGSSLROOTCERT: path.join(certs, 'ca.crt') })).toEqual({ ssl: true, user: 'postgres' });
    const e = await connectError({ ...base, PGSSLMODE: 'verify-full', PGSSLROOTCERT: path.join(certs, 'other-ca.crt') });
    expect(e.code).toBe('tls-failed');
    expect(e.message).toContain(path.join(certs, 'other-ca.crt'));
    expect(e.message).toMatch(/could not be verified/);
  });

  it('verify-full fails on a host name the certificate does not name; verify-ca does not check the name', async () => {
    const env = { ...base, PGHOST: '127.0.0.2', PGSSLROOTCERT: path.join(certs, 'ca.crt') };
    const e = await connectError({ ...env, PGSSLMODE: 'verify-full' });
    expect(e.code).toBe('tls-failed');
    expect(e.message).toContain('does not match host name "127.0.0.2"');
    expect(await session({ ...env, PGSSLMODE: 'verify-ca' })).toEqual({ ssl: true, user: 'postgres' });
  });

  it('verify-full without a root certificate fails before connecting, naming the file libpq looks for', async () => {
    const e = await connectError({ ...base, PGSSLMODE: 'verify-full' });
    expect(e.message).toContain(path.join(home, '.postgresql', 'root.crt'));
    expect(e.message).toMatch(/does not exist/);
  });

  it('sslcrl: a revoked server certificate is refused', async () => {
    const env = { ...base, PGSSLMODE: 'verify-full', PGSSLROOTCERT: path.join(certs, 'ca.crt') };
    const e = await connectError({ ...env, PGSSLCRL: path.join(certs, 'revoked-server.crl') });
    expect(e.message).toMatch(/revoked/i);
  });

  it('authenticates with a client certificate from PGSSLCERT/PGSSLKEY (hostssl … cert)', async () => {
    const env = { ...base, PGUSER: 'certuser', PGSSLMODE: 'verify-full', PGSSLROOTCERT: path.join(certs, 'ca.crt') };
    expect(await session({ ...env, PGSSLCERT: path.join(certs, 'client.crt'), PGSSLKEY: path.join(certs, 'client.key') })).toEqual({ ssl: true, user: 'certuser' });
    // Without it the server says why, quoted.
    const e = await connectError(env);
    expect(e.message).toContain('connection requires a valid client certificate');
  });

  it('refuses a client key others can read, like libpq, without printing it', async () => {
    const loose = path.join(certs, 'loose.key');
    await fsp.copyFile(path.join(certs, 'client.key'), loose);
    await fsp.chmod(loose, 0o644);
    const e = await connectError({ ...base, PGUSER: 'certuser', PGSSLCERT: path.join(certs, 'client.crt'), PGSSLKEY: loose });
    expect(e.message).toContain('has group or world access');
    expect(e.message).not.toMatch(/BEGIN|PRIVATE/);
  });

  it('uses ~/.postgresql/root.crt, postgresql.crt and postgresql.key when present', async () => {
    const dot = path.join(home, '.postgresql');
    await fsp.mkdir(dot, { recursive: true });
    try {
      await fsp.copyFile(path.join(certs, 'ca.crt'), path.join(dot, 'root.crt'));
      await fsp.copyFile(path.join(certs, 'client.crt'), path.join(dot, 'postgresql.crt'));
      await fsp.copyFile(path.join(certs, 'client.key'), path.join(dot, 'postgresql.key'));
      await fsp.chmod(path.join(dot, 'postgresql.key'), 0o600);
      expect(await session({ ...base, PGUSER: 'certuser', PGSSLMODE: 'verify-full' })).toEqual({ ssl: true, user: 'certuser' });
    } finally {
      await fsp.rm(dot, { recursive: true, force: true });
    }
  });

  it('reads the same settings from DATABASE_URL', async () => {
    const q = new URLSearchParams({ sslmode: 'verify-full', sslrootcert: path.join(certs, 'ca.crt'), sslcert: path.join(certs, 'client.crt'), sslkey: path.join(certs, 'client.key') });
    const cfg = loadConfig({ PGKEEP_REPO: repo.url, DATABASE_URL: `postgresql://certuser@127.0.0.1:${c.port}/core?${q}` });
    expect(await session(cfg.pgEnv)).toEqual({ ssl: true, user: 'certuser' });
  });

  it('channel binding: SCRAM over TLS binds to the certificate; channel_binding=require refuses a server that skips it', async () => {
    const env = { ...base, PGSSLMODE: 'verify-full', PGSSLROOTCERT: path.join(certs, 'ca.crt') };
    expect(await session({ ...env, PGUSER: 'pwuser', PGPASSWORD: 'tls-test-pw', PGCHANNELBINDING: 'require' })).toEqual({ ssl: true, user: 'pwuser' });
    const e = await connectError({ ...env, PGCHANNELBINDING: 'require' });
    expect(e.message).toContain('without channel binding');
    const wrong = await connectError({ ...env, PGUSER: 'pwuser', PGPASSWORD: 'not-the-password' });
    expect(wrong.code).toBe('auth-failed');
    expect(wrong.message).toContain('password authentication failed for user "pwuser"');
    expect(wrong.message).not.toContain('not-the-password');
  });

  it('sslnegotiation=direct needs sslmode require or stronger, and a server that speaks it', async () => {
    const weak = await connectError({ ...base, PGSSLNEGOTIATION: 'direct' });
    expect(weak.message).toMatch(/sslnegotiation=direct/);
    expect(weak.hint).toMatch(/require/);
    // PostgreSQL 15 has no direct TLS: the attempt fails, loudly.
    const e = await connectError({ ...base, PGSSLNEGOTIATION: 'direct', PGSSLMODE: 'require', PGCONNECT_TIMEOUT: '5' });
    expect(e.code).toBe('tls-failed');
    expect(e.message).toMatch(/sslnegotiation=direct/);
    expect(e.hint).toMatch(/PostgreSQL 17/);
  });

  it('a full backup (BASE_BACKUP) and a logical backup (pg_dump) run over verify-full', async () => {
    const env = { ...base, PGSSLMODE: 'verify-full', PGSSLROOTCERT: path.join(certs, 'ca.crt'), PGKEEP_REPO: repo.url };
    const full = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], env);
    expect(full.code, full.stderr).toBe(0);
    const id = JSON.parse(full.stdout).id;
    const m = JSON.parse(await fsp.readFile(path.join(repo.dir, manifestKey(id)), 'utf8'));
    expect(m.objects.map((o: { name: string }) => o.name)).toContain('base.tar.zst');
    // The base tar holds the table's data: its files are there and non-empty.
    const out = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-tls-base-'));
    try {
      extractBase(path.join(repo.dir, 'backups', id, 'base.tar.zst'), out);
      const rel = (await c.psql(`select pg_relation_filepath('t')`, 'core')).trim();
      expect((await fsp.stat(path.join(out, rel))).size).toBeGreaterThan(0);
    } finally {
      await fsp.rm(out, { recursive: true, force: true });
    }
    // pg_dump/pg_dumpall get the same PGSSL* variables: with verify-full they would fail without PGSSLROOTCERT.
    const logical = await pgkeep(['backup', '--type', 'logical', '--databases', 'core', '--json'], env);
    expect(logical.code, logical.stderr).toBe(0);
    const lm = JSON.parse(await fsp.readFile(path.join(repo.dir, manifestKey(JSON.parse(logical.stdout).id)), 'utf8'));
    expect(lm.objects.map((o: { name: string }) => o.name)).toEqual(expect.arrayContaining([expect.stringMatching(/^core\./)]));
  });

  describe.skipIf(!pg17)('sslnegotiation=direct against PostgreSQL 17+', () => {
    let d: LocalCluster;
    beforeAll(async () => {
      d = await LocalCluster.create({
        binDir: pg17!.server,
        settings: { ssl: 'on', ssl_cert_file: path.join(certs, 'pg-server.crt'), ssl_key_file: path.join(certs, 'pg-server.key') },
      });
      await fsp.writeFile(path.join(d.dataDir, 'pg_hba.conf'), 'local all all trust\nhostssl all all 0.0.0.0/0 trust\n');
      await chownForServer(path.join(d.dataDir, 'pg_hba.conf'));
      await d.start();
    });
    afterAll(async () => {
      await d?.destroy();
    });

    it(`connects with a direct TLS handshake and verify-full (PostgreSQL ${pg17?.major})`, async () => {
      const env = { ...d.env, PGSSLMODE: 'verify-full', PGSSLROOTCERT: path.join(certs, 'ca.crt'), PGSSLNEGOTIATION: 'direct' };
      expect(await session(env)).toEqual({ ssl: true, user: 'postgres' });
    });
  });

  describe('against a server without TLS', () => {
    beforeAll(async () => {
      plain = await startCluster();
    });

    it('prefer and allow fall back to an unencrypted connection', async () => {
      expect(await session(plain!.env)).toEqual({ ssl: false, user: 'postgres' });
      expect(await session({ ...plain!.env, PGSSLMODE: 'allow' })).toEqual({ ssl: false, user: 'postgres' });
    });

    it('require fails, saying the server does not support TLS', async () => {
      const e = await connectError({ ...plain!.env, PGSSLMODE: 'require' });
      expect(e.message).toMatch(/does not support SSL/);
    });
  });
});
