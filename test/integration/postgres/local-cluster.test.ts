import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { serverFacts } from '../../../src/postgres/client.js';
import { startCluster, tableChecksums } from '../../helpers/pg.js';

describe('local cluster', () => {
  let c: LocalCluster;
  beforeAll(async () => {
    c = await startCluster();
  });
  afterAll(async () => {
    await c?.destroy();
  });

  it('starts a real server reachable over TCP and reports its facts', async () => {
    await c.psql('create database core');
    const f = await serverFacts(c.env);
    expect(f.major).toBeGreaterThanOrEqual(15);
    expect(f.databases).toContain('core');
    expect(f.systemIdentifier).toMatch(/^\d+$/);
  });

  it('computes table checksums that change when a row changes', async () => {
    await c.psql('create table t(id int primary key, v text); insert into t select g, md5(g::text) from generate_series(1,100) g', 'core');
    const a = await tableChecksums(c, 'core');
    await c.psql(`update t set v = 'x' where id = 7`, 'core');
    const b = await tableChecksums(c, 'core');
    expect(a['public.t']).toMatch(/^100:/);
    expect(a['public.t']).not.toEqual(b['public.t']);
  });
});
