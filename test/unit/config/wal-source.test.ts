import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/config.js';

const REPO = { PGKEEP_REPO: 'file:///var/lib/pgkeep' };

describe('PGKEEP_WAL_SOURCE / --wal-source', () => {
  it('defaults to archive: no replication slot unless the operator asks', () => {
    expect(loadConfig(REPO).walSource).toBe('archive');
    expect(loadConfig({ ...REPO, PGKEEP_WAL_SOURCE: '' }).walSource).toBe('archive');
  });
  it('takes slot from the environment, and the flag overrides it', () => {
    expect(loadConfig({ ...REPO, PGKEEP_WAL_SOURCE: 'SLOT' }).walSource).toBe('slot');
    expect(loadConfig({ ...REPO, PGKEEP_WAL_SOURCE: 'slot' }, { walSource: 'archive' }).walSource).toBe('archive');
  });
  it('refuses anything else, naming where the value came from', () => {
    expect(() => loadConfig({ ...REPO, PGKEEP_WAL_SOURCE: 'pull' })).toThrow(/PGKEEP_WAL_SOURCE="pull" is not valid: expected archive .* or slot/);
    expect(() => loadConfig(REPO, { walSource: 'receivewal' })).toThrow(/--wal-source="receivewal" is not valid/);
  });
});
