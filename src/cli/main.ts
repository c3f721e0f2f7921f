// pgkeep CLI: parse argv, build the Config, call one command, print human text or --json.
// Expected failures print one paragraph (message + hint) and exit 1; usage errors exit 2;
// wal-fetch has its own statuses (failureExitCode).
import { loadConfig, type Config, type Env } from '../config/config.js';
import { debugEnabled } from '../config/settings.js';
import { describeError, isPgkeepError, PgkeepError } from '../util/errors.js';
import { setDebug, setQuiet } from '../util/log.js';
import { redact } from '../util/redact.js';
import { parseCommandArgs, type Flags } from './args.js';
import type { CliCommand } from './command.js';
import { VERSION } from '../version.js';
import { walFetchExitCode } from '../wal/wal-fetch.js';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const defaultIo: CliIo = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
};

/**
 * The command table. wal-push and wal-fetch start once per WAL segment: they load their own
 * two adapters only: every other command's code (and what it imports) is a chunk file of the
 * bundle that they neither read, compile nor evaluate.
 */
async function commandTable(name: string): Promise<Record<string, CliCommand>> {
  if (name === 'wal-push' || name === 'wal-fetch') return (await import('./wal-commands.js')).WAL_COMMANDS;
  return (await import('./commands.js')).COMMANDS;
}

export function usage(commands: Record<string, CliCommand>): string {
  const lines = Object.entries(commands).map(([name, c]) => `  pgkeep ${name.padEnd(9)} ${c.synopsis}`);
  return `pgkeep ${VERSION} — PostgreSQL backups, WAL archiving, point-in-time restore and verification\n\nUsage:\n${lines.join('\n')}\n\nGlobal: --repo URL (overrides PGKEEP_REPO), --cluster NAME (appends /NAME to every copy; PGKEEP_CLUSTER), --json, --quiet, --help\nConfiguration comes from libpq variables (PGHOST, PGPORT, PGUSER, PGPASSWORD…) or DATABASE_URL, and PGKEEP_* (see README).\n`;
}

/** Returns the process exit code. */
export async function main(argv: string[], env: Env, io: CliIo = defaultIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout(usage(await commandTable('')));
    return name ? 0 : 2;
  }
  if (name === '--version' || name === 'version') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const commands = await commandTable(name);
  const cmd = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!cmd) {
    io.stderr(`pgkeep: unknown command "${name}". Commands: ${Object.keys(commands).join(', ')}.\n`);
    return 2;
  }
  let json = false;
  setDebug(debugEnabled(env));
  try {
    const { flags, positionals } = parseCommandArgs(name, rest, cmd.options);
    json = flags.json === true;
    if (flags.help) {
      io.stdout(`pgkeep ${name} ${cmd.synopsis}\n${cmd.help ?? ''}\n`);
      return 0;
    }
    if (flags.quiet || name === 'wal-push' || name === 'wal-fetch') setQuiet(flags.quiet === true);
    const cfg: Config | null = cmd.needsConfig === false ? null : loadConfig(env, overridesFrom(flags), { requireRepo: cmd.needsRepo !== false });
    const out = await cmd.run({ cfg: cfg as Config, flags, positionals, env, io });
    if (json) io.stdout(JSON.stringify(out.json, null, 2) + '\n');
    else if (out.text) io.stdout(redact(out.text.endsWith('\n') ? out.text : out.text + '\n'));
    return out.exitCode ?? 0;
  } catch (e) {
    const msg = redact(describeError(e));
    if (debugEnabled(env) && e instanceof Error && !isPgkeepError(e)) io.stderr(redact(e.stack ?? '') + '\n');
    if (json) io.stdout(JSON.stringify({ ok: false, error: { code: isPgkeepError(e) ? e.code : 'unexpected', message: msg } }) + '\n');
    io.stderr(`pgkeep ${name}: ${msg}\n`);
    return failureExitCode(name, e);
  }
}

/**
 * Exit status of a failed command: 2 for usage errors, 1 otherwise — except wal-fetch, where
 * PostgreSQL reads any status <= 125 as "no such file, recovery is complete" and promotes:
 * there only "the archive has no such file" exits 1 and everything else (usage and
 * configuration errors included) exits WAL_FETCH_EXIT.fatal so recovery stops.
 */
export function failureExitCode(command: string | undefined, e: unknown): number {
  if (command === 'wal-fetch') return walFetchExitCode(e);
  return e instanceof PgkeepError && e.code === 'bad-usage' ? 2 : 1;
}

function overridesFrom(flags: Flags) {
  return {
    repo: typeof flags.repo === 'string' ? flags.repo : undefined,
    cluster: typeof flags.cluster === 'string' ? flags.cluster : undefined,
    retentionDays: typeof flags['retention-days'] === 'string' ? flags['retention-days'] : undefined,
    compress: typeof flags.compress === 'string' ? flags.compress : undefined,
    parallel: typeof flags.parallel === 'string' ? flags.parallel : undefined,
    walSource: typeof flags['wal-source'] === 'string' ? flags['wal-source'] : undefined,
  };
}
