// `pgkeep wal-fetch` exit statuses, as PostgreSQL acts on them: 1 ONLY when the archive has no
// such file (recovery ends there and the server promotes); every other failure exits 200, which
// PostgreSQL (status > 125) turns into FATAL — nothing is promoted. Before this, every failure
// exited 1. File and S3 repositories, a mirror, the spool and the crash paths of the bundle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fsp } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { walKey } from '../../../src/repo/layout.js';
import { FsStore } from '../../../src/storage/fs-store.js';
import { MirrorStore } from '../../../src/storage/mirror-store.js';
import { WAL_FETCH_EXIT, PREFETCH_DIR, walFetch } from '../../../src/wal/wal-fetch.js';
import { CLI_BUNDLE, pgkeep } from '../../helpers/cli.js';
import { FAKE_SYSID, fakeSegment } from '../../integration/wal/fake-segment.js';

const seg = (n: number) => `0000000100000000000000${n.toString(16).toUpperCase().padStart(2, '0')}`;
const zst = (b: Buffer) => zlib.zstdCompressSync(b, { params: { [zlib.constants.ZSTD_c_checksumFlag]: 1 } });

describe('wal-fetch exit statuses', () => {
  let tmp: string;
  let repo: string;
  let env: Record<string, string>;
  /** A data directory: global/pg_control names FAKE_SYSID, %p goes to pg_wal/RECOVERYXLOG. */
  let pgdata: string;
  let dest: string;

  const put = async (name: string, body: Buffer) => {
    const f = path.join(repo, walKey(name));
    await fsp.mkdir(path.dirname(f), { recursive: true });
    await fsp.writeFile(f, body);
  };
  const fetch = (name: string, extra: Record<string, string> = {}) => pgkeep(['wal-fetch', name, dest], { ...env, ...extra });

  beforeAll(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-fetch-exit-'));
    repo = path.join(tmp, 'repo');
    env = { PGKEEP_REPO: `file://${repo}`, PGKEEP_WAL_PREFETCH: '0' };
    pgdata = path.join(tmp, 'pgdata');
    await fsp.mkdir(path.join(pgdata, 'global'), { recursive: true });
    await fsp.mkdir(path.join(pgdata, 'pg_wal'), { recursive: true });
    const control = Buffer.alloc(8192);
    control.writeBigUInt64LE(BigInt(FAKE_SYSID), 0);
    await fsp.writeFile(path.join(pgdata, 'global', 'pg_control'), control);
    dest = path.join(pgdata, 'pg_wal', 'RECOVERYXLOG');
    for (let i = 1; i <= 4; i++) await put(seg(i), zst(fakeSegment(seg(i))));
  });
  afterAll(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('restores a good segment (0) and reports a missing one with 1, one line', async () => {
    expect((await fetch(seg(1))).code).toBe(WAL_FETCH_EXIT.restored);
    const miss = await fetch(seg(9));
    expect(miss.code).toBe(WAL_FETCH_EXIT.notFound);
    expect(miss.stderr.trim().split('\n')).toHaveLength(1);
    expect((await fetch('00000002.history')).code).toBe(1);
  });

  it('exits 200 on a damaged, truncated, wrong-sized or misnamed object, and on another system\'s segment', async () => {
    const good = await fsp.readFile(path.join(repo, walKey(seg(2))));
    const cases: [string, Buffer, RegExp][] = [
      ['flipped', Buffer.from(good.map((b, i) => (i > 100 && i < 120 ? b ^ 0xff : b))), /is corrupt/],
      ['truncated', good.subarray(0, good.length - 50), /is corrupt/],
      ['wrong size', zst(Buffer.alloc(1000)), /decompresses to 1000 bytes/],
      ['misnamed', zst(fakeSegment(seg(3))), /is not that segment: its first page is for position 0\/3000000, the name says 0\/5000000/],
      ['other system', zst(fakeSegment(seg(5), '7399999999999999999')), /belongs to database system 7399999999999999999, but the cluster being recovered is system 7300000000000000001/],
    ];
    for (const [what, body, msg] of cases) {
      await put(seg(5), body);
      const r = await fetch(seg(5));
      expect(r.code, what).toBe(WAL_FETCH_EXIT.fatal);
      expect(r.stderr, what).toMatch(msg);
      expect(r.stderr.trim().split('\n'), what).toHaveLength(1);
    }
    await fsp.rm(path.join(repo, walKey(seg(5))));
  });

  it('exits 200 when the object cannot be read (a directory in its place: fails even for root)', async () => {
    await fsp.mkdir(path.join(repo, walKey(seg(6))), { recursive: true });
    const r = await fetch(seg(6));
    expect(r.code).toBe(WAL_FETCH_EXIT.fatal);
    expect(r.stderr).toMatch(/not a regular file/);
    await fsp.rm(path.join(repo, walKey(seg(6))), { recursive: true });
  });

  it('exits 200 on bad arguments and on a configuration error', async () => {
    expect((await pgkeep(['wal-fetch', seg(1)], env)).code).toBe(WAL_FETCH_EXIT.fatal);
    expect((await pgkeep(['wal-fetch', 'not-a-wal-name', dest], env)).code).toBe(WAL_FETCH_EXIT.fatal);
    expect((await pgkeep(['wal-fetch', seg(1), dest], {})).code).toBe(WAL_FETCH_EXIT.fatal);
    expect((await pgkeep(['wal-fetch', '--no-such-flag', seg(1), dest], env)).code).toBe(WAL_FETCH_EXIT.fatal);
  });

  it('a mirror: not-found only when every copy says so; a failing first copy is not "missing"', async () => {
    const broken = path.join(tmp, 'broken');
    await fsp.mkdir(path.join(broken, walKey(seg(1))), { recursive: true }); // unreadable there
    const empty = path.join(tmp, 'empty');
    await fsp.mkdir(empty, { recursive: true });
    const both = (a: string, b: string) => ({ PGKEEP_REPO: `file://${a},file://${b}` });
    // First copy unreadable, second does not have it: an error, not the end of the archive.
    const r = await fetch(seg(1), both(broken, empty));
    expect(r.code).toBe(WAL_FETCH_EXIT.fatal);
    expect(r.stderr).toMatch(/could not be read from any copy/);
    // First copy unreadable, second has it: served from the second.
    expect((await fetch(seg(1), both(broken, repo))).code).toBe(0);
    // Neither has it: not found.
    expect((await fetch(seg(9), both(empty, repo))).code).toBe(WAL_FETCH_EXIT.notFound);
    // head() the same way: absent only when every copy answers "absent".
    const m = new MirrorStore([new FsStore(path.join(tmp, 'nodir')), new FsStore(empty)]);
    expect(await m.head('x')).toBeNull();
  });

  it('S3: access denied and an unreachable endpoint exit 200; only NoSuchKey exits 1', async () => {
    let mode: 'denied' | 'missing' = 'denied';
    const server = http.createServer((req, res) => {
      req.resume();
      const [status, code] = mode === 'denied' ? [403, 'AccessDenied'] : [404, 'NoSuchKey'];
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${code}</Message></Error>`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const s3env = { PGKEEP_REPO: 's3://bkt/prod', AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}`, PGKEEP_S3_FORCE_PATH_STYLE: 'true', AWS_ACCESS_KEY_ID: 'AKIATEST', AWS_SECRET_ACCESS_KEY: 'test-secret', AWS_REGION: 'us-east-1', PGKEEP_S3_MAX_ATTEMPTS: '1', PGKEEP_WAL_PREFETCH: '0' };
    try {
      const denied = await pgkeep(['wal-fetch', seg(1), dest], s3env);
      expect(denied.code).toBe(WAL_FETCH_EXIT.fatal);
      expect(denied.stderr).toMatch(/denied/);
      mode = 'missing';
      expect((await pgkeep(['wal-fetch', seg(1), dest], s3env)).code).toBe(WAL_FETCH_EXIT.notFound);
    } finally {
      await new Promise((r) => server.close(r));
    }
    const refused = await pgkeep(['wal-fetch', seg(1), dest], { ...s3env, AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` });
    expect(refused.code).toBe(WAL_FETCH_EXIT.fatal);
    expect(refused.stderr).toMatch(/unreachable/);
  });

  it('never serves a bad spooled segment: it is dropped and fetched (verified) from the repository', async () => {
    const spool = path.join(pgdata, 'pg_wal', PREFETCH_DIR);
    await fsp.mkdir(spool, { recursive: true });
    const cases: [string, Buffer][] = [
      ['short', Buffer.alloc(1000)],
      ['other position', fakeSegment(seg(4))],
      ['other system', fakeSegment(seg(3), '7399999999999999999')],
    ];
    for (const [what, body] of cases) {
      await fsp.writeFile(path.join(spool, seg(3)), body);
      const r = await walFetch(new FsStore(repo), { name: seg(3), dest, prefetch: 2, parallel: 1 });
      expect(r.source, what).toBe('repository');
      const got = await fsp.readFile(dest);
      expect(got.subarray(0, 40).equals(fakeSegment(seg(3)).subarray(0, 40)), what).toBe(true);
      expect(got.length).toBe(16 * 1024 * 1024);
    }
  });

  it('the bundle on a Node without zstd (a crash path before any command runs) exits 200, not 1', async () => {
    const node20 = '/usr/bin/node';
    if (!existsSync(node20) || (zlib as { zstdCompressSync?: unknown }).zstdCompressSync === undefined) return;
    const v = spawnSync(node20, ['-e', 'process.stdout.write(String(typeof require("zlib").createZstdCompress))'], { encoding: 'utf8' });
    if (v.stdout === 'function') return; // this machine's system Node has zstd: nothing to show
    const r = spawnSync(node20, [CLI_BUNDLE, 'wal-fetch', seg(1), dest], { env: { ...env, PATH: process.env.PATH }, encoding: 'utf8' });
    expect(r.status).toBe(WAL_FETCH_EXIT.fatal);
    expect(r.stderr).toMatch(/no zstd support/);
    const other = spawnSync(node20, [CLI_BUNDLE, 'list'], { env: { ...env, PATH: process.env.PATH }, encoding: 'utf8' });
    expect(other.status).toBe(1);
  });
});
