// Vitest global setup: tests that run the CLI bundle (archive_command, restore_command, actions
// as a runner runs them) need dist/cli built from the current source: pgkeep.js (the bundle) and
// index.js (src/cli/launcher.ts, transpiled; see scripts/bundle.mjs). Rebuild it when
// any file under src/ is newer than the bundle; build into a temp dir and swap it in, so a test
// of another run reading the old bundle never sees a half-written one.
// Transpile only: a type error elsewhere in the tree must not block tests (tsc checks types).
// PGKEEP_TEST_SKIP_BUNDLE=1 skips this (e.g. CI that has just run `npm run build`).
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, readFileSync, readdirSync, writeFileSync, chmodSync, rmSync, mkdirSync, mkdtempSync, renameSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import os from 'node:os';
import { newestMtime, swapInto } from './helpers/bundle-swap.js';
import { findLeaks, OUTPUT_LOG_VAR } from './helpers/output-log.js';

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * Builds the CLI bundle; returns the teardown that checks every output the run's CLI and action
 * runs recorded (test/helpers/output-log.ts) for the secrets of their own environment. A leak
 * fails the whole run: the teardown throws, so vitest exits non-zero, and scripts/test-summary.mjs
 * counts that status as a failure outside a test.
 */
export default function setup(): () => void {
  const runTmp = ownTmpDir();
  // Workers inherit the environment: they append to this file.
  const log = (process.env[OUTPUT_LOG_VAR] ??= path.join(os.tmpdir(), `pgkeep-test-output-${process.pid}.jsonl`));
  rmSync(log, { force: true });
  buildCli();
  return () => {
    const { runs, leaks } = findLeaks(log);
    rmSync(log, { force: true });
    if (runTmp) removeRunTmp(runTmp);
    if (leaks.length) {
      const msg = `SECRET LEAK: ${leaks.length} output(s) of the ${runs} recorded CLI/action runs hold a secret of their own environment:\n  ${leaks.join('\n  ')}`;
      process.stderr.write(`\n${msg}\n`);
      throw new Error(msg);
    }
  };
}

/**
 * Every temp dir of this run (clusters, repositories, the server-readable copy of node and the
 * CLI) goes under one directory, removed when the run ends: runs must not fill a CI machine's
 * disk, whatever a failed or killed test leaves behind. Workers inherit TMPDIR; os.tmpdir() and
 * the servers' archive/restore commands follow it. Mode 1777 like /tmp: the `postgres` OS user
 * writes there too (compile cache, spools).
 */
function ownTmpDir(): string | undefined {
  if (process.env.PGKEEP_TEST_RUN_TMP) return undefined; // a nested run (e.g. `make test` inside a test)
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pgkeep-test-run-'));
  chmodSync(dir, 0o1777);
  process.env.PGKEEP_TEST_RUN_TMP = dir;
  process.env.TMPDIR = dir;
  return dir;
}

function removeRunTmp(dir: string): void {
  // Stop any server a failed test left running, so nothing writes while the tree goes away.
  for (const pid of leftoverPostmasters(dir)) {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      /* already gone */
    }
  }
  try {
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (e) {
    process.stderr.write(`\nnote: could not remove the run's temp dir ${dir}: ${(e as Error).message}\n`);
  }
}

/** Pids of postmasters whose data directory lies under `dir` (postmaster.pid's first line). */
function leftoverPostmasters(dir: string): number[] {
  const out: number[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 4) return;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    if (names.includes('postmaster.pid')) {
      const pid = Number(readFileSync(path.join(d, 'postmaster.pid'), 'utf8').split('\n')[0]);
      if (Number.isInteger(pid) && pid > 0) out.push(pid);
      return;
    }
    for (const n of names) {
      try {
        if (statSync(path.join(d, n)).isDirectory()) walk(path.join(d, n), depth + 1);
      } catch {
        /* raced away */
      }
    }
  };
  walk(dir, 0);
  return out;
}

function buildCli(): void {
  if (process.env.PGKEEP_TEST_SKIP_BUNDLE === '1') return;
  const bundle = path.join(ROOT, 'dist/cli/pgkeep.js');
  const launcher = path.join(ROOT, 'dist/cli/index.js');
  const newest = newestMtime(path.join(ROOT, 'src'));
  if (existsSync(bundle) && existsSync(launcher) && Math.min(statSync(bundle).mtimeMs, statSync(launcher).mtimeMs) >= newest) return;
  const tmp = path.join(ROOT, 'dist', `.cli-build-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(path.dirname(tmp), { recursive: true });
  execFileSync('npx', ['ncc', 'build', 'src/cli/index.ts', '-o', tmp, '--license', 'licenses.txt', '--target', 'es2022', '--transpile-only', '-q'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  renameSync(path.join(tmp, 'index.js'), path.join(tmp, 'pgkeep.js'));
  const { outputText } = ts.transpileModule(readFileSync(path.join(ROOT, 'src/cli/launcher.ts'), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  writeFileSync(path.join(tmp, 'index.js'), `#!/usr/bin/env node\n${outputText}`);
  chmodSync(path.join(tmp, 'index.js'), 0o755);
  swapInto(tmp, path.join(ROOT, 'dist/cli'));
}
