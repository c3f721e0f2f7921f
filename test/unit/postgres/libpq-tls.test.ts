// libpq's TLS decisions as pure functions: the order of attempts per sslmode, the settings libpq
// refuses before connecting, and verify-full's host name rules (fe-secure-common.c).
import { describe, expect, it } from 'vitest';
import type { PeerCertificate } from 'node:tls';
import { sslSettings, verifyPeerName } from '../../../src/postgres/libpq-tls.js';
import { PgkeepError } from '../../../src/util/errors.js';

const tcp = { PGHOST: 'db.example.com' };

function cert(subjectaltname: string | undefined, cn?: string): PeerCertificate {
  return { subjectaltname, subject: cn ? { CN: cn } : {} } as unknown as PeerCertificate;
}

describe('sslSettings', () => {
  it.each([
    [undefined, ['tls', 'plain']],
    ['disable', ['plain']],
    ['allow', ['plain', 'tls']],
    ['prefer', ['tls', 'plain']],
    ['require', ['tls']],
    ['verify-ca', ['tls']],
    ['verify-full', ['tls']],
  ])('sslmode=%s tries %j', (mode, attempts) => {
    expect(sslSettings({ ...tcp, ...(mode ? { PGSSLMODE: mode } : {}) }).attempts).toEqual(attempts);
  });

  it('ignores sslmode on a Unix socket, as libpq does', () => {
    expect(sslSettings({ PGHOST: '/var/run/postgresql', PGSSLMODE: 'require' }).attempts).toEqual(['plain']);
    expect(sslSettings({}).attempts).toEqual(['plain']);
    // hostaddr decides where the connection goes.
    expect(sslSettings({ PGHOST: '/tmp', PGHOSTADDR: '10.0.0.1' }).attempts).toEqual(['tls', 'plain']);
  });

  it('sslrootcert=system defaults to verify-full and refuses anything weaker', () => {
    expect(sslSettings({ ...tcp, PGSSLROOTCERT: 'system' }).mode).toBe('verify-full');
    expect(() => sslSettings({ ...tcp, PGSSLROOTCERT: 'system', PGSSLMODE: 'require' })).toThrow(/Weak sslmode "require" may not be used with sslrootcert=system/);
  });

  it('requiressl=1 means require when sslmode is unset', () => {
    expect(sslSettings({ ...tcp, PGREQUIRESSL: '1' }).mode).toBe('require');
    expect(sslSettings({ ...tcp, PGREQUIRESSL: '1', PGSSLMODE: 'disable' }).mode).toBe('disable');
  });

  it('refuses values libpq refuses, naming them', () => {
    for (const [env, re] of [
      [{ PGSSLMODE: 'verify' }, /PGSSLMODE \(sslmode\)="verify" is not valid/],
      [{ PGSSLNEGOTIATION: 'fast' }, /PGSSLNEGOTIATION \(sslnegotiation\)="fast"/],
      [{ PGSSLNEGOTIATION: 'direct' }, /Weak sslmode "prefer" may not be used with sslnegotiation=direct/],
      [{ PGSSLMINPROTOCOLVERSION: 'TLSv2' }, /PGSSLMINPROTOCOLVERSION="TLSv2"/],
      [{ PGCHANNELBINDING: 'require', PGSSLMODE: 'disable' }, /channel_binding=require needs TLS/],
    ] as const) {
      expect(() => sslSettings({ ...tcp, ...env })).toThrow(PgkeepError);
      expect(() => sslSettings({ ...tcp, ...env })).toThrow(re);
    }
    expect(sslSettings({ ...tcp, PGSSLNEGOTIATION: 'direct', PGSSLMODE: 'require' }).negotiation).toBe('direct');
  });
});

describe('verifyPeerName (verify-full)', () => {
  it('matches DNS names case-insensitively and "*." for exactly one label', () => {
    const c = cert('DNS:db.example.com, DNS:*.pool.example.com');
    expect(verifyPeerName('DB.Example.com', c)).toBeUndefined();
    expect(verifyPeerName('a.pool.example.com', c)).toBeUndefined();
    expect(verifyPeerName('a.b.pool.example.com', c)?.message).toBe('server certificate for "db.example.com" (and 1 other name) does not match host name "a.b.pool.example.com"');
    expect(verifyPeerName('pool.example.com', c)).toBeDefined();
    // libpq knows no partial-label wildcards.
    expect(verifyPeerName('db1.example.com', cert('DNS:db*.example.com'))?.message).toBe('server certificate for "db*.example.com" does not match host name "db1.example.com"');
  });

  it('matches IP addresses as addresses, IPv6 in any spelling', () => {
    const c = cert('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(verifyPeerName('127.0.0.1', c)).toBeUndefined();
    expect(verifyPeerName('::1', c)).toBeUndefined();
    expect(verifyPeerName('127.0.0.2', c)?.message).toBe('server certificate for "localhost" (and 2 other names) does not match host name "127.0.0.2"');
  });

  it('reads the Common Name only when no name of the host kind exists', () => {
    expect(verifyPeerName('db.example.com', cert(undefined, 'db.example.com'))).toBeUndefined();
    expect(verifyPeerName('db.example.com', cert('DNS:other.example.com', 'db.example.com'))).toBeDefined();
    // An IP host with only DNS names: the CN is still consulted (libpq's exception).
    expect(verifyPeerName('10.0.0.5', cert('DNS:db.example.com', '10.0.0.5'))).toBeUndefined();
    expect(verifyPeerName('db.example.com', cert(undefined))?.message).toBe("could not get server's host name from server certificate");
  });
});
