// Where `PGKEEP_COMPRESS_AT=auto` may compress in the walsender: only when every host of the
// connection is this machine (the server then shares the runner's CPUs).
import { describe, expect, it } from 'vitest';
import { isLocalConnection } from '../../../src/backup/physical-backup.js';

describe('isLocalConnection', () => {
  it.each([
    [{}, true],
    [{ PGHOST: '/var/run/postgresql' }, true],
    [{ PGHOST: 'localhost' }, true],
    [{ PGHOST: '127.0.0.1' }, true],
    [{ PGHOST: '::1' }, true],
    [{ PGHOST: 'localhost,/tmp' }, true],
    [{ PGHOST: 'db.internal' }, false],
    [{ PGHOST: '10.0.0.5' }, false],
    [{ PGHOST: 'localhost,db.internal' }, false],
    // hostaddr is where libpq connects, whatever PGHOST names.
    [{ PGHOST: 'localhost', PGHOSTADDR: '10.0.0.5' }, false],
    [{ PGHOST: 'db.internal', PGHOSTADDR: '127.0.0.1' }, true],
  ])('%j → %s', (env, local) => {
    expect(isLocalConnection(env as Record<string, string>)).toBe(local);
  });
});
