// Every supported major is on this machine and starts: a missing build on linux-x64 fails the
// run here (and in every suite that runs on that major), it is never a silent skip.
import { afterAll, describe, expect, it } from 'vitest';
import { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { runTool } from '../../../src/postgres/pg-tools.js';
import { describeServer, serverBinDir, SUPPORTED_MAJORS } from '../../helpers/pg-servers.js';

describe.runIf(process.platform === 'linux' && process.arch === 'x64')('supported PostgreSQL majors', () => {
  const started: LocalCluster[] = [];
  afterAll(async () => {
    for (const c of started) await c.destroy();
  });

  for (const major of SUPPORTED_MAJORS) {
    it(`PostgreSQL ${major} starts, reports its major, and pg_dump of its tools dumps it`, async () => {
      const bin = serverBinDir(major);
      console.log(describeServer(major));
      const c = await LocalCluster.create({ binDir: bin, settings: { fsync: 'off' } });
      started.push(c);
      await c.start();
      expect(Number((await c.psql('show server_version_num')).trim())).toBeGreaterThanOrEqual(major * 10000);
      expect(Number((await c.psql('show server_version_num')).trim())).toBeLessThan((major + 1) * 10000);
      await c.psql('create table t as select g from generate_series(1, 10) g');
      const dump = await runTool(bin, 'pg_dump', ['-d', 'postgres', '-t', 't'], { env: c.env, what: 'pg_dump' });
      expect(dump).toContain('CREATE TABLE public.t');
    });
  }
});
