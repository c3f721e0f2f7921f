// `mkdir -p` without Node's `{ recursive: true }` for directories a user names (repository
// root, restore target, tablespace targets). On filesystems where mkdir answers ENOENT although
// the parent exists (procfs, sysfs, some FUSE mounts), Node 24's recursive mkdir retries
// forever: a mistyped path would hang a restore instead of failing.
import { promises as fsp } from 'node:fs';
import path from 'node:path';

async function isDir(p: string): Promise<boolean> {
  return (await fsp.stat(p).catch(() => null))?.isDirectory() ?? false;
}

export async function mkdirp(dir: string, mode?: number): Promise<void> {
  const abs = path.resolve(dir);
  try {
    await fsp.mkdir(abs, { mode });
    return;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' && (await isDir(abs))) return;
    if (code !== 'ENOENT' || path.dirname(abs) === abs) throw e;
  }
  await mkdirp(path.dirname(abs), mode);
  try {
    await fsp.mkdir(abs, { mode });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST' && (await isDir(abs))) return;
    throw e;
  }
}
