// Optional helper programs (e.g. the zstd CLI) found on PATH; absence is normal, not an error.
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export function findExecutable(name: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(':')) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      /* not here */
    }
  }
  return undefined;
}
