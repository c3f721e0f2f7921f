// Static checks of docker/ (the stack itself runs in test/e2e/actions/docker-stack.test.ts where
// Docker exists): the server archives with pgkeep, buckets are created, every COPY source exists.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../../helpers/pg.js';

// Compose understands YAML merge keys (<<: *anchor), as yaml does with merge: true.
const compose = parse(fs.readFileSync(path.join(REPO_ROOT, 'docker/compose.yml'), 'utf8'), { merge: true });

describe('docker/compose.yml', () => {
  it('runs postgres:16 with WAL archiving through pgkeep', () => {
    const pg = compose.services.postgres;
    const args: string[] = pg.command;
    const settings = Object.fromEntries(args.filter((_, i) => args[i - 1] === '-c').map((s) => s.split(/=(.*)/s).slice(0, 2)));
    expect(settings).toMatchObject({ wal_level: 'replica', archive_mode: 'on', archive_timeout: '300', archive_command: 'pgkeep wal-push %p' });
    expect(fs.readFileSync(path.join(REPO_ROOT, pg.build.dockerfile), 'utf8')).toMatch(/^FROM postgres:16/m);
    expect(pg.environment.PGKEEP_REPO).toMatch(/^s3:\/\/pgkeep\//);
  });

  it('creates the buckets before the server starts archiving, and the runner waits for a healthy server', () => {
    expect(compose.services.buckets.command.join(' ')).toMatch(/mc mb -p local\/pgkeep /);
    expect(compose.services.postgres.depends_on.buckets.condition).toBe('service_completed_successfully');
    expect(compose.services.runner.depends_on.postgres.condition).toBe('service_healthy');
  });

  it('every Dockerfile copies files that exist (dist/ excepted: it is built first)', () => {
    for (const f of ['docker/pgkeep.Dockerfile', 'docker/runner.Dockerfile']) {
      const text = fs.readFileSync(path.join(REPO_ROOT, f), 'utf8');
      expect(text).toMatch(/COPY --from=node \/usr\/local\/bin\/node/);
      for (const m of text.matchAll(/^COPY (?!--from)(\S+) /gm))
        if (!m[1].startsWith('dist')) expect(fs.existsSync(path.join(REPO_ROOT, m[1])), `${f}: ${m[1]}`).toBe(true);
    }
  });

  it('binds published ports to localhost only', () => {
    for (const s of Object.values<any>(compose.services)) for (const p of s.ports ?? []) expect(p).toMatch(/^127\.0\.0\.1:/);
  });
});
