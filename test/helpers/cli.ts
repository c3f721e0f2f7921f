// Run the CLI as a user would: the committed bundle under Node 24, or in-process for speed.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { main } from '../../src/cli/main.js';
import { recordRun } from './output-log.js';
import { REPO_ROOT } from './pg.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The Node 24 binary from the `node` devDependency (what GitHub's node24 runner uses). */
export const NODE24 = path.join(REPO_ROOT, 'node_modules/node/bin/node');
export const CLI_BUNDLE = path.join(REPO_ROOT, 'dist/cli/index.js');

/** In-process (fast; same code as the bundle). */
export async function pgkeep(args: string[], env: Record<string, string | undefined>): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, env, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  recordRun(`pgkeep ${args[0] ?? ''}`, env, { stdout, stderr });
  return { code, stdout, stderr };
}

/**
 * The built bundle as a child process, with exactly the env given (plus PATH, and TMPDIR so its
 * temp files, e.g. wal-pull's spool, land in the test run's own directory, removed at the end).
 */
export function pgkeepBundle(args: string[], env: Record<string, string | undefined>, cwd = '/'): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(NODE24, [CLI_BUNDLE, ...args], {
      cwd,
      env: { PATH: process.env.PATH, ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}), ...env } as NodeJS.ProcessEnv,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => {
      recordRun(`pgkeep ${args[0] ?? ''} (bundle)`, env, { stdout, stderr });
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}
