// Finding pg_combinebackup for an incremental chain, with stand-in binaries (any machine): the
// same major as the backups, in PGKEEP_PG_BINDIR when set, else the Debian layout, then PATH.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkCombineTool, findCombineTool } from '../../../src/restore/combine-tool.js';
import type { RestorePlan } from '../../../src/restore/plan.js';
import { PgkeepError } from '../../../src/util/errors.js';

describe('finding pg_combinebackup', () => {
  let root: string;
  const dirWith = async (name: string, version?: string): Promise<string> => {
    const d = path.join(root, name);
    await fsp.mkdir(d);
    if (version) await fsp.writeFile(path.join(d, 'pg_combinebackup'), `#!/bin/sh\necho "pg_combinebackup (PostgreSQL) ${version}"\n`, { mode: 0o755 });
    return d;
  };
  const plan = (combineTool?: RestorePlan['combineTool']) =>
    ({ backup: { id: 'B-incr', pgVersionNum: 170006 }, chain: [{ id: 'A-full' }, { id: 'B-incr' }], combineTool }) as unknown as RestorePlan;

  beforeAll(async () => {
    root = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-combine-tool-'));
  });
  afterAll(async () => {
    await fsp.rm(root, { recursive: true, force: true });
  });

  it('takes the one in PGKEEP_PG_BINDIR when it is of the backups\' major', async () => {
    const d = await dirWith('v17', '17.6');
    expect(findCombineTool(d, 17)).toEqual({ found: true, path: path.join(d, 'pg_combinebackup'), major: 17 });
  });

  it('refuses another major, older or newer (it cannot read their pg_control), saying which it found', async () => {
    for (const v of ['16.4', '18.1']) {
      const d = await dirWith(`other-${v}`, v);
      const s = findCombineTool(d, 17);
      expect(s.found).toBe(false);
      expect(!s.found && s.why).toBe(`${d}/pg_combinebackup is from PostgreSQL ${v.split('.')[0]}, but the backups are PostgreSQL 17 and pg_combinebackup must be the same major`);
    }
  });

  it('says where it looked when there is none, and does not look past PGKEEP_PG_BINDIR', async () => {
    const empty = await dirWith('empty');
    const s = findCombineTool(empty, 17, await dirWith('on-path', '17.2'));
    expect(s).toEqual({ found: false, why: `no pg_combinebackup in PGKEEP_PG_BINDIR=${empty}` });
  });

  it('falls back to PATH without PGKEEP_PG_BINDIR', async () => {
    const s = findCombineTool(undefined, 17, path.join(root, 'v17'));
    expect(s.found).toBe(true);
    expect(s.found && s.major).toBe(17);
  });

  it('refuses a restore with a one-paragraph error: what, why, what to do', () => {
    let e: unknown;
    try {
      checkCombineTool(plan({ found: false, why: 'no pg_combinebackup in PGKEEP_PG_BINDIR=/x' }));
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(PgkeepError);
    const err = e as PgkeepError;
    expect(err.code).toBe('no-combinebackup');
    expect(err.message).toBe(
      'Backup B-incr is incremental: restoring it combines the chain A-full → B-incr with pg_combinebackup from PostgreSQL 17, which was not found (no pg_combinebackup in PGKEEP_PG_BINDIR=/x); nothing was written.',
    );
    expect(err.hint).toMatch(/postgresql-client-17.*PGKEEP_PG_BINDIR/);
    // A tool the plan found that has gone since is caught too.
    expect(() => checkCombineTool(plan({ found: true, path: path.join(root, 'gone', 'pg_combinebackup'), major: 17 }))).toThrow(/is gone or not executable/);
  });
});
