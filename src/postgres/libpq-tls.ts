// libpq's TLS rules, for the connections pgkeep opens itself (node-postgres: introspection and
// BASE_BACKUP). The tools (pg_dump, pg_receivewal…) read the same PGSSL* variables through
// their own libpq, so both sides must agree: same sslmode order of attempts, same default files
// under ~/.postgresql, same "a root certificate present means the chain is checked", same host
// name rules for verify-full (fe-secure-openssl.c / fe-secure-common.c).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readdirSync, readFileSync, statSync, type Stats } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { PgkeepError } from '../util/errors.js';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';
export type Transport = 'plain' | 'tls';

const MODES: SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];
const TLS_VERSIONS = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'] as const;

export interface SslSettings {
  mode: SslMode;
  negotiation: 'postgres' | 'direct';
  /** Transports in the order libpq tries them; the second only after the first was answered. */
  attempts: Transport[];
  channelBinding: 'disable' | 'prefer' | 'require';
}

function bad(name: string, value: string, expected: string): PgkeepError {
  return new PgkeepError('bad-config', `${name}="${value}" is not valid: expected ${expected}.`);
}

/** A Unix-domain socket (a directory, or @abstract): libpq ignores sslmode there. */
export function isSocketHost(host: string | undefined): boolean {
  return !host || host.startsWith('/') || host.startsWith('@');
}

/** Validate the settings as libpq's connectOptions2 does, before anything is opened. */
export function sslSettings(env: Record<string, string>): SslSettings {
  const rootcert = env.PGSSLROOTCERT;
  let mode: SslMode;
  if (env.PGSSLMODE) {
    if (!MODES.includes(env.PGSSLMODE as SslMode)) throw bad('PGSSLMODE (sslmode)', env.PGSSLMODE, MODES.join(', '));
    mode = env.PGSSLMODE as SslMode;
  } else if (env.PGREQUIRESSL === '1') mode = 'require';
  else mode = rootcert === 'system' ? 'verify-full' : 'prefer';
  // libpq 16+: the system's roots vouch for any name someone bought, so only verify-full means anything.
  if (rootcert === 'system' && mode !== 'verify-full')
    throw new PgkeepError('bad-config', `Weak sslmode "${mode}" may not be used with sslrootcert=system.`, 'Use sslmode=verify-full (the default with sslrootcert=system).');
  const negotiation = env.PGSSLNEGOTIATION ?? 'postgres';
  if (negotiation !== 'postgres' && negotiation !== 'direct') throw bad('PGSSLNEGOTIATION (sslnegotiation)', negotiation, 'postgres or direct');
  if (negotiation === 'direct' && !['require', 'verify-ca', 'verify-full'].includes(mode))
    throw new PgkeepError(
      'bad-config',
      `Weak sslmode "${mode}" may not be used with sslnegotiation=direct.`,
      'Use sslmode require, verify-ca or verify-full: a weaker mode could fall back to an unencrypted connection (libpq refuses the same).',
    );
  const channelBinding = (env.PGCHANNELBINDING ?? 'prefer') as SslSettings['channelBinding'];
  if (!['disable', 'prefer', 'require'].includes(channelBinding)) throw bad('PGCHANNELBINDING (channel_binding)', channelBinding, 'disable, prefer or require');
  for (const v of ['PGSSLMINPROTOCOLVERSION', 'PGSSLMAXPROTOCOLVERSION'])
    if (env[v] && !(TLS_VERSIONS as readonly string[]).includes(env[v])) throw bad(v, env[v], TLS_VERSIONS.join(', '));
  if (env.PGSSLCERTMODE && !['disable', 'allow', 'require'].includes(env.PGSSLCERTMODE)) throw bad('PGSSLCERTMODE (sslcertmode)', env.PGSSLCERTMODE, 'disable, allow or require');
  if (env.PGSSLCERTMODE === 'require')
    throw new PgkeepError('unsupported-setting', 'sslcertmode=require is not supported by pgkeep’s own connections.', 'Use sslcertmode=allow (the default): the server decides whether it asks for the client certificate.');
  const attempts: Transport[] = isSocketHost(env.PGHOSTADDR || env.PGHOST)
    ? ['plain']
    : { disable: ['plain'], allow: ['plain', 'tls'], prefer: ['tls', 'plain'], require: ['tls'], 'verify-ca': ['tls'], 'verify-full': ['tls'] }[mode] as Transport[];
  if (channelBinding === 'require' && !attempts.includes('tls'))
    throw new PgkeepError('bad-config', `channel_binding=require needs TLS, but sslmode is "${mode}"${attempts.length === 1 && mode !== 'disable' ? ' on a Unix socket' : ''}.`);
  return { mode, negotiation, attempts, channelBinding };
}

function statOrNull(file: string, what: string): Stats | null {
  try {
    return statSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new PgkeepError('tls-setup', `Could not open ${what} "${file}": ${code}.`);
  }
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new PgkeepError('tls-setup', `Could not read ${what} "${file}": ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
}

const PEM_CRL = /-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g;

export interface TlsOptions extends tls.ConnectionOptions {
  /** For messages: which root certificates the server is checked against (file, "system" or none). */
  rootCertDescription?: string;
}

/**
 * The tls.connect options libpq would use (initialize_SSL): throws a PgkeepError naming the file
 * when one is missing, unreadable or unsafe. Key material is read here and never appears in a message.
 */
export function tlsOptions(env: Record<string, string>, s: SslSettings, home = os.homedir()): TlsOptions {
  const dot = (f: string) => path.join(home, '.postgresql', f);
  const o: TlsOptions = { rejectUnauthorized: false, minVersion: (env.PGSSLMINPROTOCOLVERSION ?? 'TLSv1.2') as tls.SecureVersion };
  if (env.PGSSLMAXPROTOCOLVERSION) o.maxVersion = env.PGSSLMAXPROTOCOLVERSION as tls.SecureVersion;

  // Server certificate: with a root certificate file present the chain is checked in every mode
  // (prefer and require too); the host name only with verify-full.
  const rootcert = env.PGSSLROOTCERT || dot('root.crt');
  let verify = false;
  if (rootcert === 'system') {
    o.ca = tls.getCACertificates('system');
    o.rootCertDescription = "the system's trusted roots (sslrootcert=system)";
    verify = true;
  } else if (statOrNull(rootcert, 'root certificate file')) {
    const pem = readText(rootcert, 'root certificate file');
    try {
      new X509Certificate(pem);
    } catch {
      throw new PgkeepError('tls-setup', `Could not read root certificate file "${rootcert}": it holds no PEM certificate.`);
    }
    o.ca = pem;
    o.rootCertDescription = `"${rootcert}"`;
    verify = true;
    // CRLs only with a root file, and silently skipped when absent (libpq: "we do not require CRL").
    const crls: string[] = [];
    const crlFile = env.PGSSLCRL || (env.PGSSLCRLDIR ? undefined : dot('root.crl'));
    if (crlFile && statOrNull(crlFile, 'certificate revocation list')) crls.push(...(readText(crlFile, 'certificate revocation list').match(PEM_CRL) ?? []));
    if (env.PGSSLCRLDIR && statOrNull(env.PGSSLCRLDIR, 'certificate revocation list directory')) {
      // Files as `openssl rehash` names them (<hash>.r<n>).
      for (const f of readdirSync(env.PGSSLCRLDIR).filter((n) => /^[0-9a-f]{8}\.r\d+$/.test(n)))
        crls.push(...(readText(path.join(env.PGSSLCRLDIR, f), 'certificate revocation list').match(PEM_CRL) ?? []));
    }
    if (crls.length) o.crl = crls;
  } else if (s.mode === 'verify-ca' || s.mode === 'verify-full') {
    throw new PgkeepError(
      'tls-setup',
      `Root certificate file "${rootcert}" does not exist, and sslmode=${s.mode} needs it to check the server's certificate.`,
      'Set PGSSLROOTCERT (sslrootcert) to the CA certificate that signed the server certificate, use sslrootcert=system for a publicly trusted server, or choose a weaker sslmode.',
    );
  }
  if (verify) {
    o.rejectUnauthorized = true;
    const name = env.PGHOST || env.PGHOSTADDR;
    if (s.mode === 'verify-full') {
      if (!env.PGHOST && !env.PGHOSTADDR) throw new PgkeepError('tls-setup', 'sslmode=verify-full needs a host name (PGHOST) to check the server certificate against.');
      o.checkServerIdentity = (_servername, cert) => verifyPeerName(name!, cert);
    } else o.checkServerIdentity = () => undefined;
  }

  // Client certificate: sent when its file exists (a missing one is no error, as in libpq); the
  // key must then exist and be private.
  if (env.PGSSLCERTMODE !== 'disable') {
    const certFile = env.PGSSLCERT || dot('postgresql.crt');
    if (statOrNull(certFile, 'certificate file')) {
      const certPem = readText(certFile, 'certificate file');
      let x509: X509Certificate;
      try {
        x509 = new X509Certificate(certPem);
      } catch {
        throw new PgkeepError('tls-setup', `Could not load certificate file "${certFile}": it holds no PEM certificate.`);
      }
      const keyFile = env.PGSSLKEY || dot('postgresql.key');
      if (env.PGSSLKEY?.includes(':'))
        throw new PgkeepError('unsupported-setting', `sslkey "${keyFile}" names an OpenSSL engine key, which pgkeep’s own connections cannot use.`, 'Give the path of a PEM key file.');
      const st = statOrNull(keyFile, 'private key file');
      if (!st) throw new PgkeepError('tls-setup', `Certificate "${certFile}" is present, but not its private key file "${keyFile}".`, 'Set PGSSLKEY (sslkey) to the key of that certificate.');
      if (!st.isFile()) throw new PgkeepError('tls-setup', `Private key file "${keyFile}" is not a regular file.`);
      const uid = process.geteuid?.();
      if ((st.uid === uid && st.mode & 0o077) || (st.uid === 0 && st.mode & 0o037))
        throw new PgkeepError(
          'tls-setup',
          `Private key file "${keyFile}" has group or world access.`,
          'The file must have permissions u=rw (0600) or less if owned by the current user, or u=rw,g=r (0640) or less if owned by root (chmod 600).',
        );
      const keyPem = readText(keyFile, 'private key file');
      try {
        if (!x509.checkPrivateKey(createPrivateKey({ key: keyPem, passphrase: '' })))
          throw new PgkeepError('tls-setup', `Certificate "${certFile}" does not match private key file "${keyFile}".`);
      } catch (e) {
        if (e instanceof PgkeepError) throw e;
        throw new PgkeepError('tls-setup', `Could not load private key file "${keyFile}": it is not a PEM key, or it is encrypted (pgkeep has no sslpassword).`);
      }
      o.cert = certPem;
      o.key = keyPem;
    }
  }
  return o;
}

/** IPv4/IPv6 text → bytes, for comparing a host with a certificate's IP address names. */
function ipBytes(ip: string): Buffer | null {
  const v = net.isIP(ip);
  if (v === 4) return Buffer.from(ip.split('.').map(Number));
  if (v !== 6) return null;
  let s = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const b = ipBytes(v4[1])!;
    s = s.slice(0, -v4[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = s.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  const groups = tail !== undefined ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

/** libpq's wildcard rule: "*." as the whole first label only, matching exactly one label. */
function nameMatches(pattern: string, host: string): boolean {
  if (pattern.toLowerCase() === host.toLowerCase()) return true;
  if (pattern.length < 3 || !pattern.startsWith('*.') || pattern.length > host.length) return false;
  const suffix = pattern.slice(1);
  if (!host.toLowerCase().endsWith(suffix.toLowerCase())) return false;
  return !host.slice(0, host.length - suffix.length).includes('.');
}

/** Names in a peer certificate's subjectaltname ("DNS:a, IP Address:1.2.3.4", quoted when odd). */
function altNames(san: string | undefined): { type: 'DNS' | 'IP'; value: string }[] {
  const out: { type: 'DNS' | 'IP'; value: string }[] = [];
  if (!san) return out;
  const re = /(DNS|IP Address|[A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/g;
  for (const m of san.matchAll(re)) {
    const value = m[2].startsWith('"') ? (JSON.parse(m[2]) as string) : m[2];
    if (m[1] === 'DNS') out.push({ type: 'DNS', value });
    else if (m[1] === 'IP Address') out.push({ type: 'IP', value });
  }
  return out;
}

/**
 * verify-full's host name check as libpq does it: DNS and IP address names of the certificate;
 * the Common Name only when no name of the host's own kind (DNS or IP) is present.
 */
export function verifyPeerName(host: string, cert: tls.PeerCertificate): Error | undefined {
  const hostIp = ipBytes(host);
  const names = altNames(cert.subjectaltname);
  const examined: string[] = [];
  let checkCn = true;
  for (const n of names) {
    if ((n.type === 'IP') === !!hostIp) checkCn = false;
    examined.push(n.value);
    if (n.type === 'DNS' && !n.value.includes('\0') && nameMatches(n.value, host)) return undefined;
    if (n.type === 'IP' && hostIp && ipBytes(n.value)?.equals(hostIp)) return undefined;
  }
  if (checkCn) {
    const cn = Array.isArray(cert.subject?.CN) ? cert.subject.CN[0] : cert.subject?.CN;
    if (cn) {
      examined.push(cn);
      if (nameMatches(cn, host)) return undefined;
    }
  }
  const e = new Error(
    examined.length === 0
      ? `could not get server's host name from server certificate`
      : examined.length === 1
        ? `server certificate for "${examined[0]}" does not match host name "${host}"`
        : `server certificate for "${examined[0]}" (and ${examined.length - 1} other name${examined.length > 2 ? 's' : ''}) does not match host name "${host}"`,
  ) as Error & { code: string };
  e.code = 'ERR_TLS_CERT_ALTNAME_INVALID';
  return e;
}
