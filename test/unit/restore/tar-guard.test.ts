import { describe, expect, it } from 'vitest';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TarGuard } from '../../../src/restore/tar-guard.js';
import { tarBlock, tarOf } from '../../helpers/tar-fixture.js';

async function guard(tar: Buffer, chunk = 4096): Promise<Buffer> {
  const parts: Buffer[] = [];
  const chunks = [];
  for (let i = 0; i < tar.length; i += chunk) chunks.push(tar.subarray(i, i + chunk));
  await pipeline(
    Readable.from(chunks),
    new TarGuard('base.tar.zst of backup X'),
    new Writable({
      write(c: Buffer, _e, cb) {
        parts.push(c);
        cb();
      },
    }),
  );
  return Buffer.concat(parts);
}

const ok = [
  { name: 'PG_VERSION', data: '15\n' },
  { name: 'base/', type: '5' },
  { name: 'base/1/', type: '5' },
  { name: 'base/1/1259', data: Buffer.alloc(9000, 1) },
];

describe('TarGuard', () => {
  it('passes a data directory through unchanged, in any chunking', async () => {
    const tar = tarOf([...ok, { name: 'pg_wal/', type: '5' }, { name: 'inside', type: '2', link: 'base/1' }, { name: 'hl', type: '1', link: 'PG_VERSION' }]);
    for (const chunk of [1, 511, 512, 513, 4096, 1 << 20]) expect((await guard(tar, chunk)).equals(tar)).toBe(true);
  });

  const bad: [string, Parameters<typeof tarOf>[0][number][], RegExp][] = [
    ['an absolute path', [{ name: '/tmp/pwned', data: 'x' }], /entry \/tmp\/pwned.*absolute path/],
    ['a ".." component', [{ name: 'base/../../pwned', data: 'x' }], /"\.\."/],
    ['".." alone', [{ name: '..', type: '5' }], /"\.\."/],
    ['a symlink to an absolute path', [{ name: 'pg_tblspc/1', type: '2', link: '/etc' }], /symlink pg_tblspc\/1 → \/etc.*absolute/],
    ['a relative symlink that climbs out', [{ name: 'base/up', type: '2', link: '../../x' }], /points outside/],
    ['an entry below a symlink of the archive', [{ name: 'base/up', type: '2', link: '..' }, { name: 'base/up/esc', type: '2', link: '../x' }], /below symlink base\/up/],
    ['a hard link to an absolute path', [{ name: 'hl', type: '1', link: '/etc/passwd' }], /hard link hl → \/etc\/passwd/],
    ['a hard link climbing out', [{ name: 'hl', type: '1', link: '../../etc/passwd' }], /hard link hl/],
    ['a device node', [{ name: 'dev', type: '3' }], /character device/],
    ['a FIFO', [{ name: 'fifo', type: '6' }], /FIFO/],
    ['a GNU long name that is absolute', [{ name: '././@LongLink', type: 'L', data: '/tmp/long\0' }, { name: 'short', data: 'x' }], /entry \/tmp\/long/],
    ['a pax path with ".."', [{ name: 'PaxHeaders/x', type: 'x', data: pax('path', '../x') }, { name: 'x', data: 'x' }], /"\.\."/],
    ['a pax linkpath outside', [{ name: 'PaxHeaders/x', type: 'x', data: pax('linkpath', '/etc') }, { name: 'l', type: '2', link: 'ok' }], /→ \/etc/],
    ['a ustar prefix that is absolute', [{ name: 'x', prefix: '/tmp', data: 'x' }], /\/tmp\/x/],
    ['a symlink with a body', [{ name: 'l', type: '2', link: 'a', size: 512 }], /body/],
  ];
  for (const [what, entries, msg] of bad)
    it(`refuses ${what}`, async () => {
      await expect(guard(tarOf([...ok, ...entries]))).rejects.toThrow(msg);
    });

  it('reads past end-of-archive blocks as tar --ignore-zeros does', async () => {
    const tar = Buffer.concat([tarOf(ok), tarOf([{ name: '/etc/cron.d/x', data: 'x' }])]);
    await expect(guard(tar, 700)).rejects.toThrow(/absolute path/);
  });

  it('refuses a header with a bad checksum', async () => {
    const b = tarBlock({ name: 'x', data: '' });
    b[0] ^= 1;
    await expect(guard(Buffer.concat([tarOf(ok).subarray(0, -1024), b]))).rejects.toThrow(/checksum/);
  });

  it('forwards nothing of the chunk that holds the refused header', async () => {
    const parts: Buffer[] = [];
    const tar = tarOf([{ name: 'a', data: 'x' }, { name: '/abs', data: 'y' }]);
    await expect(
      pipeline(
        Readable.from([tar]),
        new TarGuard('t'),
        new Writable({
          write(c: Buffer, _e, cb) {
            parts.push(c);
            cb();
          },
        }),
      ),
    ).rejects.toThrow(/absolute/);
    expect(parts.length).toBe(0);
  });
});

function pax(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (String(len).length + body.length !== len) len = String(len).length + body.length;
  return `${len}${body}`;
}
