// Integrity check of one logical backup: every object's size and SHA-256 against the manifest,
// and each dump readable by pg_restore --list (its table of contents parses). Problems are
// returned, not thrown, so verify can report every one of them.
import { pipeline } from 'node:stream/promises';
import { DUMP_KIND } from '../backup/logical-backup.js';
import type { VerifyProblem } from '../commands/types.js';
import { startTool } from '../postgres/pg-tools.js';
import { backupObjectKey } from '../repo/layout.js';
import type { Manifest, ManifestObject } from '../repo/manifest.js';
import { openObject, verifyObject } from '../repo/object-io.js';
import type { Store } from '../storage/store.js';
import { describeError } from '../util/errors.js';

/** pg_restore --list over the decompressed dump: the archive's format and its number of TOC entries. */
export async function listDumpEntries(store: Store, backupId: string, obj: ManifestObject, binDir: string): Promise<{ format?: string; entries: number }> {
  const src = await openObject(store, backupObjectKey(backupId, obj.name), obj);
  const run = startTool(binDir, 'pg_restore', ['--list'], { stdin: 'pipe', what: `pg_restore --list of ${obj.name}` });
  let out = '';
  run.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
  // pg_restore stops reading once it has the table of contents: a closed pipe is expected.
  const feed = pipeline(src, run.stdin!).catch((e: NodeJS.ErrnoException) => {
    src.destroy();
    if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_PREMATURE_CLOSE' && e.code !== 'ERR_STREAM_DESTROYED') throw e;
  });
  run.stdin!.on('error', () => undefined);
  await run.done;
  await feed.catch(() => undefined);
  const format = /^;\s+Format: (\S+)/m.exec(out)?.[1];
  return { format, entries: out.split('\n').filter((l) => l && !l.startsWith(';')).length };
}

export async function checkLogicalBackup(store: Store, manifest: Manifest, binDir: string): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  for (const obj of manifest.objects) {
    const key = backupObjectKey(manifest.id, obj.name);
    try {
      await verifyObject(store, key, obj);
    } catch (e) {
      problems.push({ backupId: manifest.id, object: obj.name, message: describeError(e) });
      continue;
    }
    if (obj.kind !== DUMP_KIND) continue;
    try {
      // An empty database has no entries; a readable archive always has its header.
      const { format } = await listDumpEntries(store, manifest.id, obj, binDir);
      if (format !== 'CUSTOM')
        problems.push({ backupId: manifest.id, object: obj.name, message: `pg_restore --list did not read ${obj.name} as a custom-format archive (format: ${format ?? 'none'}).` });
    } catch (e) {
      problems.push({ backupId: manifest.id, object: obj.name, message: describeError(e) });
    }
  }
  for (const db of manifest.databases ?? [])
    if (!manifest.objects.some((o) => o.kind === DUMP_KIND && o.database === db))
      problems.push({ backupId: manifest.id, message: `The manifest lists database "${db}" but has no dump object for it.` });
  return problems;
}
