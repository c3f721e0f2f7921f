// Shared by the test-time bundle builds (global setup for dist/cli, e2e for the actions):
// is src/ newer than a bundle, and an atomic swap of a freshly built directory into place.
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';

export function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Replace directory `out` by `tmp` with renames, so a reader never sees a half-written bundle. */
export function swapInto(tmp: string, out: string): void {
  const old = `${out}.old-${process.pid}`;
  // Another run may be swapping at the same moment: the last rename wins, both are fresh.
  try {
    if (existsSync(out)) renameSync(out, old);
  } catch {
    /* moved by a concurrent run */
  }
  try {
    renameSync(tmp, out);
  } catch {
    rmSync(tmp, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
}
