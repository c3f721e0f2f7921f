// A restore never writes outside its directory, whatever the stored tar says. The base tar of a
// real backup gets a hostile archive appended (tar runs with --ignore-zeros, so it would read
// it), the manifest's size and SHA-256 are made to match, and `pgkeep restore` must refuse with
// a message naming the entry, leave nothing outside DIR, and leave DIR empty.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, promises as fsp } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import type { LocalCluster } from '../../../src/postgres/local-cluster.js';
import { archivingSettings, makeServerRepo, serverReadableCli } from '../../helpers/archiving.js';
import { pgkeep } from '../../helpers/cli.js';
import { startCluster } from '../../helpers/pg.js';
import { tarOf, type TarFixtureEntry } from '../../helpers/tar-fixture.js';

describe('restore refuses tar entries that leave the target directory', () => {
  let c: LocalCluster;
  let repo: { dir: string; url: string };
  let env: Record<string, string>;
  let work: string;
  let backupId = '';

  async function waitArchived(): Promise<void> {
    for (let i = 0; i < 600; i++) {
      if ((await c.psql(`select count(*) from pg_ls_archive_statusdir() where name like '%.ready'`)).trim() === '0') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('archiving stalled');
  }

  beforeAll(async () => {
    repo = await makeServerRepo();
    c = await startCluster(archivingSettings(repo.url));
    const cli = serverReadableCli();
    env = { ...c.env, PGKEEP_NODE_PATH: cli.node, PGKEEP_CLI_PATH: cli.bundle };
    work = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-hostile-'));
    await c.psql('create table t(id int); insert into t select generate_series(1, 100)');
    const b = await pgkeep(['backup', '--type', 'full', '--checkpoint', 'fast', '--json'], { ...env, PGKEEP_REPO: repo.url });
    expect(b.code, b.stderr).toBe(0);
    backupId = JSON.parse(b.stdout).id;
    await c.psql('select pg_switch_wal()');
    await waitArchived();
  });

  afterAll(async () => {
    await c?.destroy();
    if (work) await fsp.rm(work, { recursive: true, force: true });
  });

  /** A copy of the repository whose base tar ends with `evil`, with a manifest that matches. */
  async function hostileRepo(name: string, evil: TarFixtureEntry[]): Promise<string> {
    const dir = path.join(work, `repo-${name}`);
    await fsp.cp(repo.dir, dir, { recursive: true });
    const bdir = path.join(dir, 'backups', backupId);
    const manifestPath = path.join(bdir, 'manifest.json');
    const m = JSON.parse(await fsp.readFile(manifestPath, 'utf8'));
    const obj = m.objects.find((o: { kind: string }) => o.kind === 'base');
    const raw = Buffer.concat([zstdDecompressSync(await fsp.readFile(path.join(bdir, obj.name))), tarOf(evil)]);
    const stored = zstdCompressSync(raw);
    await fsp.writeFile(path.join(bdir, obj.name), stored);
    m.bytes += stored.length - obj.bytes;
    m.rawBytes += raw.length - obj.rawBytes;
    Object.assign(obj, { bytes: stored.length, rawBytes: raw.length, sha256: createHash('sha256').update(stored).digest('hex') });
    await fsp.writeFile(manifestPath, JSON.stringify(m, null, 2));
    return `file://${dir}`;
  }

  const outside = () => path.join(work, 'outside');
  const cases: [string, () => TarFixtureEntry[], RegExp][] = [
    ['an absolute path', () => [{ name: path.join(outside(), 'abs-file'), data: 'pwned' }], /absolute path/],
    ['a ".." path', () => [{ name: '../../outside/dotdot-file', data: 'pwned' }], /"\.\."/],
    ['a symlink out of the directory', () => [{ name: 'global/escape', type: '2', link: outside() }], /symlink global\/escape →/],
    ['a file written through a symlink that climbs to the root', () => [{ name: 'base/up', type: '2', link: '..' }, { name: 'base/up/esc', type: '2', link: '../outside' }, { name: 'base/up/esc/through', data: 'pwned' }], /below symlink base\/up/],
    ['a hard link out of the directory', () => [{ name: 'hl', type: '1', link: '/etc/hostname' }], /hard link hl → \/etc\/hostname/],
  ];
  for (const [what, evil, msg] of cases)
    for (const zstdCli of [true, false])
      it(`refuses ${what} (${zstdCli ? 'zstd CLI' : 'in-process zstd'}); nothing outside DIR, DIR left empty`, async () => {
        const tag = `${what.replace(/\W+/g, '-')}-${zstdCli}`;
        const url = await hostileRepo(tag, evil());
        await fsp.mkdir(outside(), { recursive: true });
        const to = path.join(work, `to-${tag}`);
        await fsp.mkdir(to);
        const r = await pgkeep(['restore', '--latest', '--to', to], { ...env, PGKEEP_REPO: url, ...(zstdCli ? {} : { PGKEEP_NO_ZSTD_CLI: '1' }) });
        expect(r.code, r.stdout).not.toBe(0);
        expect(r.stderr).toMatch(/refuses to extract/);
        expect(r.stderr).toMatch(msg);
        expect(r.stderr).toContain(`base.tar.zst of backup ${backupId}`);
        expect(await fsp.readdir(outside())).toEqual([]);
        expect(await fsp.readdir(to)).toEqual([]);
        expect(existsSync(path.join(work, 'to-outside'))).toBe(false);
      });
});
