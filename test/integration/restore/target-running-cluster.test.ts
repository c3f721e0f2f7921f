// `restore --to` never points into a live cluster: its data directory, a symlink to it, or a
// path inside it is refused before anything is written, with a message that names the running
// server (postmaster.pid: pid and port). The server keeps running, its directory untouched.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { pgkeep } from '../../helpers/cli.js';
import { startCluster } from '../../helpers/pg.js';

describe('restore --to a running cluster', () => {
  let c: LocalCluster;
  let work: string;
  let env: Record<string, string>;
  let pid: number;

  beforeAll(async () => {
    c = await startCluster();
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-to-live-'));
    await fsp.mkdir(path.join(work, 'repo'));
    env = { ...c.env, PGKEEP_REPO: `file://${path.join(work, 'repo')}` };
    pid = Number((await fsp.readFile(path.join(c.dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
  });

  afterAll(async () => {
    await c?.destroy();
    if (work) await fsp.rm(work, { recursive: true, force: true });
  });

  const targets: [string, () => Promise<string>, RegExp][] = [
    ['its data directory', async () => c.dataDir, /is the data directory of a running PostgreSQL server/],
    [
      'a symlink to its data directory',
      async () => {
        const l = path.join(work, 'link-to-data');
        if (!existsSync(l)) await fsp.symlink(c.dataDir, l);
        return l;
      },
      /link-to-data is the data directory \/.* of a running PostgreSQL server/,
    ],
    ['a new directory inside it', async () => path.join(c.dataDir, 'restore-here'), /lies inside the data directory .* of a running PostgreSQL server/],
  ];
  for (const [what, target, msg] of targets)
    for (const dryRun of [false, true])
      it(`refuses ${what}${dryRun ? ' (dry run too)' : ''}, naming the postmaster's pid and port; nothing written`, async () => {
        const to = await target();
        const before = (await fsp.readdir(c.dataDir)).sort();
        const r = await pgkeep(['restore', '--latest', '--to', to, ...(dryRun ? ['--dry-run'] : [])], env);
        expect(r.code).not.toBe(0);
        expect(r.stderr).toMatch(msg);
        expect(r.stderr).toContain(`(postmaster.pid: pid ${pid}, port ${c.port})`);
        expect(r.stderr).toMatch(/never writes into an existing cluster/);
        expect((await fsp.readdir(c.dataDir)).sort()).toEqual(before);
        expect(existsSync(path.join(c.dataDir, 'restore-here'))).toBe(false);
        expect((await c.psql('select 1')).trim()).toBe('1');
      });
});
