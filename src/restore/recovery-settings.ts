// What a restored data directory needs to replay WAL to its target and promote when started
// with plain `pg_ctl -D DIR start`: recovery.signal plus settings appended to
// postgresql.auto.conf (the last occurrence of a setting wins, so appending overrides
// whatever the backed-up cluster had). Never recovery.conf (PostgreSQL 12+ refuses it).
//
// restore_command carries absolute paths (node, CLI bundle) and the repository URL only.
// Repository URLs never hold credentials (repo-url.ts refuses them); for S3 the server's own
// environment (or instance role / profile) supplies AWS credentials, exactly as for
// archive_command. An S3 endpoint and path-style flag from the environment are carried into the
// URL as query options, since the server's environment may not have them.
import type { Config } from '../config/config.js';
import { formatLsn } from '../wal/segment.js';
import { WAL_FETCH_EXIT } from '../wal/wal-fetch.js';
import type { PlanTarget } from './plan.js';

/** Quote for /bin/sh (PostgreSQL runs restore_command through the shell). */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_\/.:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * A literal for restore_command/archive_command: PostgreSQL replaces %f, %p, %r (and %%) before
 * the shell sees the line, and from PostgreSQL 16 on refuses any other %x ("invalid value for
 * parameter restore_command"). Every % that is not a placeholder is doubled, so a URL-encoded
 * endpoint (http%3A%2F%2F…) or a path holding "%f" reaches the shell unchanged on 15–18.
 */
export function percentLiteral(s: string): string {
  return s.replace(/%/g, '%%');
}

/** A shell word for restore_command/archive_command: shell-quoted, then % doubled. */
export function commandWord(s: string): string {
  return percentLiteral(shellQuote(s));
}

/** Quote a value for postgresql.conf. */
export function confQuote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/** The repository URL restore_command passes with --repo, with S3 endpoint options made explicit. */
export function repoUrlForServer(cfg: Pick<Config, 'repos' | 's3'>): string {
  return cfg.repos
    .map((loc) => {
      if (loc.kind !== 's3' || !cfg.s3.endpoint) return loc.url;
      const u = new URL(loc.url);
      if (!u.searchParams.has('endpoint')) u.searchParams.set('endpoint', cfg.s3.endpoint);
      if (!u.searchParams.has('force-path-style') && cfg.s3.forcePathStyle) u.searchParams.set('force-path-style', 'true');
      if (!u.searchParams.has('region') && cfg.s3.region) u.searchParams.set('region', cfg.s3.region);
      return u.toString();
    })
    .join(',');
}

export interface RestoreCommandParts {
  /** Absolute path of the node binary (Node ≥ 22.15 for zstd). */
  node: string;
  /** Absolute path of the pgkeep CLI bundle. */
  cli: string;
  repoUrl: string;
}

/**
 * `node cli wal-fetch --repo URL %f %p`. With `spool` (relative to the data directory), a
 * segment already staged there by the restore is moved into place by the shell alone, so
 * replaying the planned range costs no process start per segment; anything else (history
 * files, segments beyond the staged ones) goes to wal-fetch.
 * No branch may exit 1 for anything but "not in the archive" (PostgreSQL would promote): a
 * failed mv, and a CLI bundle that has gone (node would exit 1 on the missing module), exit
 * with wal-fetch's fatal status instead.
 */
export function restoreCommandLine(p: RestoreCommandParts & { spool?: string }): string {
  const fatal = WAL_FETCH_EXIT.fatal;
  const cli = commandWord(p.cli);
  const fetch = `${commandWord(p.node)} ${cli} wal-fetch --repo ${commandWord(p.repoUrl)} %f %p`;
  const guarded = `{ [ -r ${cli} ] || { echo pgkeep: restore_command cannot read ${cli} >&2; exit ${fatal}; }; } && ${fetch}`;
  if (!p.spool) return guarded;
  const staged = `${commandWord(p.spool)}/%f`;
  // At promotion PostgreSQL asks for the parent timeline's history file; timeline 1 never has
  // one (PostgreSQL itself treats it as absent: existsTimeLineHistory), so a restore on
  // timeline 1 answers "not in the archive" without starting a process.
  return `if [ -f ${staged} ]; then mv -f ${staged} %p || exit ${fatal}; elif [ %f = ${NO_HISTORY} ]; then exit 1; else ${guarded}; fi`;
}

/** The history file of timeline 1, which never exists. */
const NO_HISTORY = '00000001.history';

export interface RecoverySettingsInput {
  target: PlanTarget;
  targetTimeline: number;
  restoreCommand: string;
  /** 'off' keeps a throwaway cluster (drill, single-database PITR) from archiving into the repository. */
  archiveMode?: 'preserve' | 'off';
}

/** Ordered settings for postgresql.auto.conf. */
export function recoverySettings(i: RecoverySettingsInput): [string, string][] {
  const s: [string, string][] = [['restore_command', i.restoreCommand]];
  switch (i.target.kind) {
    case 'time':
      s.push(['recovery_target_time', i.target.time.pg], ['recovery_target_inclusive', 'true']);
      break;
    case 'lsn':
      s.push(['recovery_target_lsn', formatLsn(i.target.lsn)], ['recovery_target_inclusive', 'true']);
      break;
    case 'immediate':
      s.push(['recovery_target', 'immediate']);
      break;
    case 'latest':
      break;
  }
  s.push(['recovery_target_timeline', String(i.targetTimeline)], ['recovery_target_action', 'promote']);
  if (i.archiveMode === 'off') s.push(['archive_mode', 'off']);
  return s;
}

export function renderAutoConf(settings: [string, string][], header: string): string {
  return `\n# ${header}\n${settings.map(([k, v]) => `${k} = ${confQuote(v)}`).join('\n')}\n`;
}
