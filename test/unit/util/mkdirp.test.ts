import { describe, expect, it } from 'vitest';
import { existsSync, promises as fsp, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mkdirp } from '../../../src/util/mkdirp.js';

describe('mkdirp', () => {
  it('creates missing parents with the mode, and accepts an existing directory', async () => {
    const root = await fsp.mkdtemp(path.join(os.tmpdir(), 'pgkeep-mkdirp-'));
    const deep = path.join(root, 'a', 'b', 'c');
    await mkdirp(deep, 0o700);
    expect(statSync(deep).isDirectory()).toBe(true);
    expect(statSync(path.join(root, 'a')).mode & 0o777).toBe(0o700);
    await mkdirp(deep);
    await fsp.writeFile(path.join(root, 'file'), 'x');
    await expect(mkdirp(path.join(root, 'file'))).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(mkdirp(path.join(root, 'file', 'sub'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await fsp.rm(root, { recursive: true });
  });

  it.skipIf(!existsSync('/proc/self'))('fails (does not spin) where mkdir answers ENOENT with the parent present (/proc)', async () => {
    await expect(mkdirp('/proc/pgkeep-no/such')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
