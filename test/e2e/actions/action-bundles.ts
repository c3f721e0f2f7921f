// Build dist/<action>/index.js for the e2e tests exactly as scripts/bundle.mjs does (ncc with
// type checking, ESM, licences), but only when src/ is newer than the bundle, and into a temp
// dir swapped in by rename, so a test file running the old bundle never sees a half-written
// one (as test/global-setup.ts does for dist/cli). Not --transpile-only: that mode resolves
// @actions/core (ESM-only) with `require` conditions and fails. Async: a blocking build starves
// vitest's RPC.
import { execFile } from 'node:child_process';
import { existsSync, rmSync, statSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../helpers/pg.js';
import { newestMtime, swapInto } from '../../helpers/bundle-swap.js';

export const ACTION_NAMES = ['pg-backup', 'pg-restore', 'pg-verify'] as const;

export async function ensureActionBundles(): Promise<void> {
  const srcTime = newestMtime(path.join(REPO_ROOT, 'src'));
  await Promise.all(
    ACTION_NAMES.map(async (name) => {
      const out = path.join(REPO_ROOT, 'dist', name);
      const bundle = path.join(out, 'index.js');
      if (process.env.PGKEEP_TEST_SKIP_BUNDLE === '1' && existsSync(bundle)) return;
      if (existsSync(bundle) && statSync(bundle).mtimeMs >= srcTime) return;
      const tmp = path.join(REPO_ROOT, 'dist', `.${name}-build-${process.pid}`);
      rmSync(tmp, { recursive: true, force: true });
      mkdirSync(path.dirname(tmp), { recursive: true });
      await promisify(execFile)(
        'npx',
        ['ncc', 'build', `src/actions/${name}/index.ts`, '-o', tmp, '--license', 'licenses.txt', '--target', 'es2022', '-q'],
        { cwd: REPO_ROOT, maxBuffer: 16 << 20 },
      );
      swapInto(tmp, out);
    }),
  );
}
