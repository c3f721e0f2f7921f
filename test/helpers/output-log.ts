// The suite-wide secret check (issue 12): every CLI and action run of the tests appends what it
// printed (stdout, stderr, job summary, outputs) and the secrets of its own environment to one
// log; test/global-setup.ts's teardown fails the run when any output holds one of those secrets.
// The runner's `::add-mask::<secret>` line is the one place a secret is meant to be printed.
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { secretValues } from '../../src/actions/mask-secrets.js';

export const OUTPUT_LOG_VAR = 'PGKEEP_TEST_OUTPUT_LOG';
// Shorter values (test passwords like "pw") would match ordinary text by chance.
const MIN_SECRET_LEN = 8;

interface LoggedRun {
  what: string;
  secrets: string[];
  texts: Record<string, string>;
}

/** Record one run: `env` as the process saw it (INPUT_* included), `texts` what it printed or wrote. */
export function recordRun(what: string, env: Record<string, string | undefined>, texts: Record<string, string>): void {
  const file = process.env[OUTPUT_LOG_VAR];
  if (!file) return;
  const secrets = secretValues(env).filter((s) => s.length >= MIN_SECRET_LEN);
  if (!secrets.length) return;
  const run: LoggedRun = { what, secrets, texts };
  appendFileSync(file, JSON.stringify(run) + '\n');
}

/** Every leak in the log: "<run> <stream>: <secret prefix>…". */
export function findLeaks(file: string): { runs: number; leaks: string[] } {
  if (!existsSync(file)) return { runs: 0, leaks: [] };
  const leaks: string[] = [];
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  for (const line of lines) {
    const run = JSON.parse(line) as LoggedRun;
    for (const [stream, text] of Object.entries(run.texts)) {
      const visible = text.split('\n').filter((l) => !l.startsWith('::add-mask::')).join('\n');
      for (const s of run.secrets) if (visible.includes(s)) leaks.push(`${run.what} ${stream}: ${s.slice(0, 6)}…`);
    }
  }
  return { runs: lines.length, leaks };
}
