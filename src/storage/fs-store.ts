// file:// repository: atomic writes (temp file + fsync + rename/link), so a partial object
// is never visible under its final name, even after a crash or kill -9.
import { createWriteStream, promises as fsp } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PgkeepError } from '../util/errors.js';
import type { ObjectInfo, PutOptions, Store } from './store.js';
import { mkdirp } from '../util/mkdirp.js';

const TMP_MARK = '.pgkeep-tmp-';

export class FsStore implements Store {
  readonly description: string;
  readonly localHead = true;
  constructor(readonly root: string) {
    this.description = `file://${root}`;
  }

  private abs(key: string): string {
    if (key.includes('..') || path.isAbsolute(key)) throw new PgkeepError('bad-key', `Invalid object key "${key}".`);
    return path.join(this.root, key);
  }

  async put(key: string, body: Readable, opts: PutOptions = {}): Promise<{ bytes: number }> {
    const dest = this.abs(key);
    await mkdirp(path.dirname(dest));
    const tmp = `${dest}${TMP_MARK}${randomBytes(6).toString('hex')}`;
    let bytes = 0;
    body.on('data', (c: Buffer) => (bytes += c.length));
    try {
      const out = createWriteStream(tmp, { flags: 'wx', mode: 0o640 });
      await pipeline(body, out);
      const fh = await fsp.open(tmp, 'r');
      try {
        // Explicitly: the creation mode is subject to the umask.
        if (opts.readableByAll) await fh.chmod(0o644);
        await fh.sync();
      } finally {
        await fh.close();
      }
      if (opts.ifNoneMatch) {
        // link() refuses to replace an existing name: no window where another writer's object is clobbered.
        try {
          await fsp.link(tmp, dest);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EEXIST')
            throw new PgkeepError('exists', `Object ${key} already exists in ${this.description}.`);
          throw e;
        }
        await fsp.unlink(tmp);
      } else {
        await fsp.rename(tmp, dest);
      }
      await syncDir(path.dirname(dest));
      return { bytes };
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      // A failed first object leaves no empty backup directory behind.
      await this.removeEmptyBackupDir(key);
      throw mapFsError(e, this.description);
    }
  }

  /**
   * Only a name that does not exist is `not-found`: restore_command turns not-found into "the
   * archive ends here" and PostgreSQL promotes, so an unreadable object (permissions, a
   * directory in its place, I/O error) must be an error of its own.
   */
  async get(key: string): Promise<Readable> {
    const p = this.abs(key);
    let fh: FileHandle;
    try {
      fh = await fsp.open(p, 'r');
    } catch (e) {
      if (isAbsent(e)) throw new PgkeepError('not-found', `Object ${key} not found in ${this.description}.`);
      throw readError(e, key, this.description);
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new PgkeepError('read-failed', `Object ${key} in ${this.description} is not a regular file.`, 'Something other than pgkeep changed the repository; check it with pgkeep verify.');
    } catch (e) {
      await fh.close();
      throw e instanceof PgkeepError ? e : readError(e, key, this.description);
    }
    return fh.createReadStream({ highWaterMark: 1 << 20 });
  }

  async readTail(key: string, bytes: number): Promise<Buffer> {
    let fh: FileHandle;
    try {
      fh = await fsp.open(this.abs(key), 'r');
    } catch (e) {
      if (isAbsent(e)) throw new PgkeepError('not-found', `Object ${key} not found in ${this.description}.`);
      throw readError(e, key, this.description);
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new PgkeepError('read-failed', `Object ${key} in ${this.description} is not a regular file.`, 'Something other than pgkeep changed the repository; check it with pgkeep verify.');
      const n = Math.min(bytes, st.size);
      const buf = Buffer.alloc(n);
      let got = 0;
      while (got < n) {
        const { bytesRead } = await fh.read(buf, got, n - got, st.size - n + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    } catch (e) {
      throw e instanceof PgkeepError ? e : readError(e, key, this.description);
    } finally {
      await fh.close();
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    let st: import('node:fs').Stats;
    try {
      st = await fsp.stat(this.abs(key));
    } catch (e) {
      if (isAbsent(e)) return null;
      throw readError(e, key, this.description);
    }
    return st.isFile() ? { key, size: st.size } : null;
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    // Walk only the directory part of the prefix, then filter by the full prefix.
    const dirPart = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = path.join(this.root, dirPart);
    const walk = async (dir: string, rel: string): Promise<void> => {
      let entries: import('node:fs').Dirent[];
      try {
        entries = await fsp.readdir(dir, { withFileTypes: true });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw e;
      }
      for (const ent of entries) {
        const r = rel ? `${rel}/${ent.name}` : ent.name;
        if (ent.isDirectory()) {
          if (r.startsWith(prefix) || prefix.startsWith(r + '/')) await walk(path.join(dir, ent.name), r);
        } else if (ent.isFile() && r.startsWith(prefix) && !ent.name.includes(TMP_MARK)) {
          const st = await fsp.stat(path.join(dir, ent.name));
          out.push({ key: r, size: st.size, modified: st.mtime.toISOString() });
        }
      }
    };
    await walk(start, dirPart);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    const p = this.abs(key);
    await fsp.rm(p, { force: true });
    await this.removeEmptyBackupDir(key);
  }

  /**
   * A backup's directory goes with its last object (expired or failed backups leave nothing
   * behind). rmdir only removes an empty directory; backup ids are never reused by writers.
   * WAL timeline directories stay: archive_command may be writing into them right now.
   */
  private async removeEmptyBackupDir(key: string): Promise<void> {
    if (key.startsWith('backups/') && key.split('/').length === 3) await fsp.rmdir(path.dirname(this.abs(key))).catch(() => undefined);
  }

  async check(): Promise<void> {
    try {
      await mkdirp(this.root);
      await fsp.access(this.root, 2 /* W_OK */);
    } catch (e) {
      throw new PgkeepError(
        'repo-unreachable',
        `Repository directory ${this.root} is not writable (${(e as Error).message}).`,
        'Create it or fix its permissions; PGKEEP_REPO must be file:///absolute/path.',
      );
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  try {
    const fh = await fsp.open(dir, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch {
    /* some filesystems refuse fsync on directories; the rename is still atomic */
  }
}

/** The name does not exist (or a parent is not a directory): the object is absent. */
function isAbsent(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function readError(e: unknown, key: string, where: string): PgkeepError {
  const err = e as NodeJS.ErrnoException;
  const denied = err.code === 'EACCES' || err.code === 'EPERM';
  return new PgkeepError(
    'read-failed',
    `Reading ${key} from ${where} failed: ${denied ? 'permission denied' : err.message} (${err.code ?? 'error'}).`,
    denied ? 'Fix the repository permissions: the user running pgkeep (for restore_command, the PostgreSQL server\'s user) must be able to read it.' : 'Check the repository\'s disk and file system.',
  );
}

function mapFsError(e: unknown, where: string): unknown {
  if (e instanceof PgkeepError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC') return new PgkeepError('no-space', `No space left writing to ${where}.`);
  if (code === 'EACCES' || code === 'EPERM')
    return new PgkeepError('repo-unreachable', `Permission denied writing to ${where}.`, 'Fix the directory permissions.');
  return e;
}
