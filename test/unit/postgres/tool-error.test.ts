// A tool's connection failure keeps libpq's own words and gets a hint naming the setting to check.
import { describe, expect, it } from 'vitest';
import { toolError } from '../../../src/postgres/pg-tools.js';

describe('toolError hints', () => {
  it('quotes a pg_hba.conf refusal and points at PGSSLMODE when the server wants TLS', () => {
    const e = toolError('pg_dump', 1, null, 'pg_dump: error: connection to server at "10.0.0.5", port 5432 failed: FATAL:  pg_hba.conf rejects connection for host "10.0.0.9", user "backup", database "core", no encryption\n');
    expect(e.message).toContain('pg_hba.conf rejects connection for host "10.0.0.9"');
    expect(e.hint).toMatch(/only over TLS: unset PGSSLMODE/);
    const other = toolError('pg_dump', 1, null, 'FATAL:  no pg_hba.conf entry for host "10.0.0.9", user "backup", database "core", SSL encryption\n');
    expect(other.hint).toMatch(/no line admitting this user/);
  });

  it('points at PGSSLROOTCERT when the certificate check fails', () => {
    const e = toolError('pg_receivewal', 1, null, 'pg_receivewal: error: connection to server at "db" failed: root certificate file "/root/.postgresql/root.crt" does not exist\n');
    expect(e.hint).toMatch(/PGSSLROOTCERT/);
  });
});
