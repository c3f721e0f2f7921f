// Vitest global setup: tests that run the CLI bundle (archive_command, restore_command, actions
// as a runner runs them) need dist/cli/index.js built from the current source. Rebuild it when
// any file under src/ is newer than the bundle; build into a temp dir and swap it in, so a test
// of another run reading the old bundle never sees a half-written one.
// Transpile only: a type error elsewhere in the tree must not block tests (tsc checks types).
// PGKEEP_TEST_SKIP_BUNDLE=1 skips this (e.g. CI that has just run `npm run build`).
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, readFileSync, writeFileSync, chmodSync, rmSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { newestMtime, swapInto } from './helpers/bundle-swap.js';

const ROOT = path.resolve(import.meta.dirname, '..');

export default function setup(): void {
  if (process.env.PGKEEP_TEST_SKIP_BUNDLE === '1') return;
  const bundle = path.join(ROOT, 'dist/cli/index.js');
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= newestMtime(path.join(ROOT, 'src'))) return;
  const tmp = path.join(ROOT, 'dist', `.cli-build-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(path.dirname(tmp), { recursive: true });
  execFileSync('npx', ['ncc', 'build', 'src/cli/index.ts', '-o', tmp, '--license', 'licenses.txt', '--target', 'es2022', '--transpile-only', '-q'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  const file = path.join(tmp, 'index.js');
  const src = readFileSync(file, 'utf8');
  if (!src.startsWith('#!')) writeFileSync(file, `#!/usr/bin/env node\n${src}`);
  chmodSync(file, 0o755);
  swapInto(tmp, path.join(ROOT, 'dist/cli'));
}
