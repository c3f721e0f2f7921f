// dist/cli/index.js, the launcher PostgreSQL runs once per WAL segment: V8's compile cache in a
// private per-user directory (never one another user could have planted or can write; a cache
// that cannot be used never fails the command), and a file-repository wal-push that loads
// neither the S3 client nor the other commands' code (they are chunk files of the bundle).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI_BUNDLE, NODE24 } from '../../helpers/cli.js';
import { fakeSegment } from '../../integration/wal/fake-segment.js';

const NAME = '000000010000000000000001';
const uid = process.getuid!();

function run(args: string[], o: { tmpdir: string; cwd?: string; cli?: string; node?: string[] }) {
  const r = spawnSync(NODE24, [...(o.node ?? []), o.cli ?? CLI_BUNDLE, ...args], {
    cwd: o.cwd ?? '/',
    env: { PATH: process.env.PATH, TMPDIR: o.tmpdir },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the CLI launcher', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-launcher-'));
  });
  afterAll(async () => {
    await fsp.rm(tmp, { recursive: true, force: true });
  });

  it('caches compiled code in a 0700 directory of its own user under the temp dir', async () => {
    const t = path.join(tmp, 't1');
    await fsp.mkdir(t);
    const r = run(['--version'], { tmpdir: t });
    expect(r.code, r.stderr).toBe(0);
    const dir = path.join(t, `pgkeep-node-cache-${uid}`);
    const st = await fsp.stat(dir);
    expect(st.mode & 0o777).toBe(0o700);
    expect(st.uid).toBe(uid);
    const [versionDir] = await fsp.readdir(dir);
    expect((await fsp.readdir(path.join(dir, versionDir))).length).toBeGreaterThan(0);
  });

  it('never uses a cache directory others can write, and still runs', async () => {
    const t = path.join(tmp, 't2');
    const planted = path.join(t, `pgkeep-node-cache-${uid}`);
    await fsp.mkdir(planted, { recursive: true });
    await fsp.chmod(planted, 0o777);
    const r = run(['--version'], { tmpdir: t });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
    expect(await fsp.readdir(planted)).toEqual([]);
  });

  it('runs without a cache when the temp dir is unusable', () => {
    const r = run(['--version'], { tmpdir: path.join(tmp, 'does', 'not', 'exist') });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('a file-repository wal-push reads neither the S3 client nor the other commands, nor loads network or process modules', async () => {
    const pgdata = path.join(tmp, 'pgdata');
    await fsp.mkdir(path.join(pgdata, 'pg_wal', 'archive_status'), { recursive: true });
    await fsp.writeFile(path.join(pgdata, 'pg_wal', NAME), fakeSegment(NAME));
    // Every file the module loader loads, through Node's own module hooks.
    const log = path.join(tmp, 'loaded.txt');
    const hook = path.join(tmp, 'hook.mjs');
    await fsp.writeFile(
      hook,
      `import { registerHooks } from 'node:module'; import { appendFileSync } from 'node:fs';
registerHooks({ load(url, context, next) { appendFileSync(${JSON.stringify(log)}, url + '\\n'); return next(url, context); } });
process.on('exit', () => appendFileSync(${JSON.stringify(log)}, process.moduleLoadList.join('\\n') + '\\n'));\n`,
    );
    const r = run(['wal-push', '--repo', `file://${path.join(tmp, 'repo')}`, `pg_wal/${NAME}`], { tmpdir: tmp, cwd: pgdata, node: ['--import', hook] });
    expect(r.code, r.stderr).toBe(0);
    await fsp.stat(path.join(tmp, 'repo', 'wal', '00000001', `${NAME}.zst`));
    const lines = readFileSync(log, 'utf8').split('\n');
    // Node's own modules for connections and child processes: only other commands need them.
    for (const builtin of ['child_process', 'tls', 'net', 'http']) expect(lines).not.toContain(`NativeModule ${builtin}`);
    expect(lines).toContain('NativeModule zlib');
    const loaded = lines
      .filter((u) => u.startsWith('file://') && u !== `file://${hook}`)
      .map((u) => new URL(u).pathname);
    expect(loaded).toContain(path.join(path.dirname(CLI_BUNDLE), 'pgkeep.js'));
    for (const f of loaded) {
      const src = readFileSync(f, 'utf8');
      expect(src, `${path.basename(f)} holds the S3 client`).not.toMatch(/\bS3Client\b/);
      expect(src, `${path.basename(f)} holds the backup command`).not.toMatch(/\bbackupCommand\b/);
    }
    // ...and both are in the bundle, so the check above looks for names that exist.
    const all = (await fsp.readdir(path.dirname(CLI_BUNDLE))).filter((f) => f.endsWith('.js'));
    const text = all.map((f) => readFileSync(path.join(path.dirname(CLI_BUNDLE), f), 'utf8')).join('\n');
    expect(text).toMatch(/\bS3Client\b/);
    expect(text).toMatch(/\bbackupCommand\b/);
  });

  it('without pgkeep.js beside it, says to copy the whole directory; wal-fetch fails fatally (200)', async () => {
    const lone = path.join(tmp, 'lone');
    await fsp.mkdir(lone);
    cpSync(CLI_BUNDLE, path.join(lone, 'index.js'));
    cpSync(path.join(path.dirname(CLI_BUNDLE), 'package.json'), path.join(lone, 'package.json'));
    const r = run(['wal-fetch', NAME, '/tmp/x'], { tmpdir: tmp, cli: path.join(lone, 'index.js') });
    expect(r.code).toBe(200);
    expect(r.stderr).toMatch(/cannot load .*pgkeep\.js.*whole dist\/cli directory/);
  });
});
