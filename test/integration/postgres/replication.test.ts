// The BASE_BACKUP client against a real server: what arrives (one tar per archive, the manifest,
// positions), and that a sink failing mid-stream rejects the call instead of leaving it pending
// forever (which once let `pgkeep backup` exit 0 with nothing stored).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { baseBackup, baseBackupCommand, type StreamSink } from '../../../src/postgres/replication.js';
import { startCluster } from '../../helpers/pg.js';

function collect(into: Map<string, Buffer[]>, name: string): StreamSink {
  const parts: Buffer[] = [];
  into.set(name, parts);
  const stream = new Writable({
    write(c: Buffer, _e, cb) {
      parts.push(Buffer.from(c));
      cb();
    },
  });
  return { stream, done: new Promise((r) => stream.once('finish', r)) };
}

describe('BASE_BACKUP client (src/postgres/replication.ts)', () => {
  let c: LocalCluster;
  let work: string;

  beforeAll(async () => {
    c = await startCluster({ wal_level: 'replica' });
    await c.psql(`create table t as select g, md5(g::text) as v from generate_series(1, 100000) g`);
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-repl-'));
  });
  afterAll(async () => {
    await c?.destroy();
    if (work) await fsp.rm(work, { recursive: true, force: true });
  });

  it('quotes the label and names every option it sends', () => {
    expect(baseBackupCommand({ label: "pgkeep it's", checkpoint: 'fast', serverCompression: { level: 3, workers: 2 }, maxRateKb: 2048 })).toBe(
      "BASE_BACKUP ( LABEL 'pgkeep it''s', PROGRESS, CHECKPOINT 'fast', WAIT false, MANIFEST 'yes', MANIFEST_CHECKSUMS 'CRC32C', TABLESPACE_MAP, COMPRESSION 'zstd', COMPRESSION_DETAIL 'level=3,workers=2', MAX_RATE 2048 )",
    );
  });

  it('delivers the data directory tar and the manifest as separate streams, with start and end positions', async () => {
    const got = new Map<string, Buffer[]>();
    let progress = 0;
    const r = await baseBackup(c.env, {
      label: 'pgkeep test',
      checkpoint: 'fast',
      openArchive: (a) => collect(got, a.name),
      openManifest: () => collect(got, 'manifest'),
      onProgress: (done) => (progress = done),
    });
    expect([...got.keys()]).toEqual(['base.tar', 'manifest']);
    expect(r.startLsn).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
    expect(r.endTimeline).toBe(1);
    expect(r.tablespaces).toEqual([]);
    const tar = path.join(work, 'base.tar');
    await fsp.writeFile(tar, Buffer.concat(got.get('base.tar')!));
    const names = execFileSync('tar', ['-tf', tar]).toString().split('\n');
    expect(names).toEqual(expect.arrayContaining(['backup_label', 'tablespace_map', 'PG_VERSION', 'global/pg_control']));
    const label = execFileSync('tar', ['-xOf', tar, 'backup_label']).toString();
    expect(label).toContain(`START WAL LOCATION: ${r.startLsn}`);
    expect(label).toContain('LABEL: pgkeep test');
    const manifest = JSON.parse(Buffer.concat(got.get('manifest')!).toString('utf8'));
    expect(manifest['PostgreSQL-Backup-Manifest-Version']).toBeGreaterThanOrEqual(1);
    expect(manifest['WAL-Ranges'][0]['End-LSN']).toBe(r.endLsn);
    expect(progress).toBeGreaterThan(5_000_000);
  });

  it('rejects (never hangs) when a sink fails mid-stream, and the server ends its side', async () => {
    let bytes = 0;
    const failing = (): StreamSink => {
      const stream = new PassThrough({ highWaterMark: 64 * 1024 });
      stream.on('error', () => undefined); // the pipeline that owns a real sink listens too
      let failing = false;
      const done = new Promise<void>((_resolve, reject) => {
        stream.on('data', (d: Buffer) => {
          bytes += d.length;
          // Destroyed between two writes, as an upload failing on its own schedule does.
          if (bytes > 1 << 20 && !failing && (failing = true))
            setImmediate(() => {
              const e = new Error('disk full (simulated)');
              stream.destroy(e);
              reject(e);
            });
        });
      });
      done.catch(() => undefined);
      return { stream, done };
    };
    const outcome = await Promise.race([
      baseBackup(c.env, { label: 'pgkeep fail', checkpoint: 'fast', openArchive: failing, openManifest: failing }).then(
        () => 'resolved',
        (e: Error) => e.message,
      ),
      new Promise((r) => setTimeout(() => r('still pending after 30 s'), 30_000)),
    ]);
    expect(outcome).toMatch(/did not complete: disk full \(simulated\)|disk full/);
    const end = Date.now() + 15_000;
    while ((await c.psql('select count(*) from pg_stat_replication')).trim() !== '0' && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    expect((await c.psql('select count(*) from pg_stat_replication')).trim()).toBe('0');
  });
});
