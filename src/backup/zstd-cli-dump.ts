// A tool's output compressed by the zstd CLI with its stdin wired to the tool's stdout, so the raw
// dump never passes through this process: pgkeep reads only the compressed bytes (a fifth of the
// raw dump on the bench data) to hash, encrypt and store them. On 2 cores the logical backup is
// CPU-bound (server COPY, pg_dump, compression, and Node relaying raw bytes and framing them), and
// relaying plus in-process framing cost ~0.5 CPU s of the ~4.5 on the bench's 0.5 GB data set.
// The raw size for the manifest comes from zstd's own `-vv` summary, exact to the byte; a zstd whose
// summary cannot be read that way is not used (probeZstdCli), and the in-process path stays.
import { spawnSync } from 'node:child_process';
import { startTool, type ToolOptions, type ToolRun } from '../postgres/pg-tools.js';
import { PgkeepError } from '../util/errors.js';
import { findExecutable } from '../util/find-executable.js';

/** `(230000000 B => 47000000 B, …)`: zstd 1.4–1.5's -vv summary for a stream. */
const SUMMARY = /\(\s*(\d+) B =>\s*(\d+) B\b/;

export interface ZstdDumpRun extends ToolRun {
  /** The raw bytes zstd read and the compressed bytes it wrote, from its summary; after `done`. */
  sizes(): { raw: number; compressed: number };
}

let probed: string | null | undefined;

/**
 * The zstd CLI to compress dumps with, or undefined (not on PATH, disabled, or its summary is not
 * in the form SUMMARY reads). Checked once per process on three bytes (~5 ms).
 */
export function probeZstdCli(disabled: boolean): string | undefined {
  if (disabled) return undefined;
  if (probed === undefined) {
    const file = findExecutable('zstd');
    probed = null;
    if (file) {
      const r = spawnSync(file, ['-1', '-c', '-vv', '--no-progress'], { input: 'abc', timeout: 10_000 });
      const m = r.status === 0 ? SUMMARY.exec(String(r.stderr)) : null;
      if (m && Number(m[1]) === 3 && Number(m[2]) === r.stdout.length) probed = file;
    }
  }
  return probed ?? undefined;
}

/**
 * Start `tool` with its stdout going straight into `zstd -LEVEL` (one zstd frame with a content
 * checksum); the returned run's stdout is zstd's output. `done` settles when both exited: the
 * tool's own failure is reported first, then zstd's, and a summary that cannot be read fails too
 * (the manifest would have no true raw size).
 */
export function startToolThroughZstd(zstdPath: string, level: number, binDir: string, tool: string, args: string[], opts: ToolOptions): ZstdDumpRun {
  const dump = startTool(binDir, tool, args, opts);
  const what = opts.what ?? tool;
  let zstd: ToolRun;
  try {
    // --no-progress: the summary alone, not a status line every few MiB.
    zstd = startTool('', zstdPath, [`-${level}`, ...(level > 19 ? ['--ultra'] : []), '-c', '-vv', '--no-progress'], { stdin: dump.stdout, what: `zstd compressing ${what}` });
  } catch (e) {
    dump.kill();
    throw e;
  }
  // Both were spawned in this tick, before the tool wrote anything: this process never reads a
  // byte of the raw dump. Its own end of the pipe is closed, so zstd sees EOF when the tool exits.
  dump.stdout.destroy();
  let sizes: { raw: number; compressed: number } | undefined;
  const zstdDone = zstd.done.then(() => {
    const m = SUMMARY.exec(zstd.stderr());
    if (!m) throw new PgkeepError('tool-failed', `zstd compressing ${what} ended without its size summary, so the dump's raw size is unknown.`, 'Set PGKEEP_NO_ZSTD_CLI=1 to compress in-process.');
    sizes = { raw: Number(m[1]), compressed: Number(m[2]) };
  });
  const done = Promise.allSettled([dump.done, zstdDone]).then(([d, z]) => {
    // zstd failing first makes the tool fail on a broken pipe: then zstd's error is the cause.
    if (z.status === 'rejected' && (d.status === 'fulfilled' || /broken pipe|could not write/i.test(String((d.reason as Error)?.message)))) throw z.reason;
    if (d.status === 'rejected') throw d.reason;
    if (z.status === 'rejected') throw z.reason;
  });
  return {
    child: dump.child,
    stdout: zstd.stdout,
    stdin: null,
    done,
    kill: () => {
      dump.kill();
      zstd.kill();
    },
    stderr: dump.stderr,
    sizes: () => {
      if (!sizes) throw new Error('zstd sizes read before it exited');
      return sizes;
    },
  };
}
