// The operators' make targets expand to CLI invocations whose flags the CLI accepts.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../../src/cli/args.js';
import { COMMANDS } from '../../../src/cli/commands.js';
import { REPO_ROOT } from '../../helpers/pg.js';

/** `make -n target VAR=…` → argv after the bundle path (shell-unquoted). */
function expand(target: string, ...vars: string[]): string[] {
  const line = execFileSync('make', ['-n', '-s', target, ...vars], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  expect(line).toMatch(/^node_modules\/node\/bin\/node dist\/cli\/index\.js /);
  const words = [...line.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
  return words.slice(2);
}

function accepted(argv: string[]) {
  const [cmd, ...rest] = argv;
  return parseCommandArgs(cmd, rest, COMMANDS[cmd].options).flags;
}

describe('Makefile db-* targets', () => {
  it('db-restore TIMESTAMP=… DRY_RUN=1: a physical dry run to that instant', () => {
    const argv = expand('db-restore', 'TIMESTAMP=2025-11-08T14:30:00Z', 'DRY_RUN=1');
    expect(argv).toEqual(['restore', '--time', '2025-11-08T14:30:00Z', '--dry-run']);
    expect(accepted(argv)).toMatchObject({ time: '2025-11-08T14:30:00Z', 'dry-run': true });
  });

  it('db-restore TARGET=… without TIMESTAMP restores to the latest WAL', () => {
    expect(expand('db-restore', 'TARGET=/srv/pg/restore')).toEqual(['restore', '--latest', '--to', '/srv/pg/restore']);
  });

  it('db-restore DATABASE=… TARGET=…: a logical restore into a new database', () => {
    const argv = expand('db-restore', 'DATABASE=core', 'TARGET=core_copy', 'TIMESTAMP=2025-11-08T14:30:00+01:00');
    expect(argv).toEqual(['restore', '--logical', '--database', 'core', '--into', 'core_copy', '--time', '2025-11-08T14:30:00+01:00']);
    expect(accepted(argv)).toMatchObject({ logical: true, database: 'core', into: 'core_copy' });
  });

  it('db-backup, db-verify, db-expire, db-status map to accepted flags', () => {
    for (const [target, vars, want] of [
      ['db-backup', ['TYPE=full'], ['backup', '--type', 'full']],
      ['db-backup', [], ['backup', '--type', 'logical']],
      ['db-verify', ['DRILL=1'], ['verify', '--drill']],
      ['db-expire', ['DRY_RUN=1', 'RETENTION_DAYS=14'], ['expire', '--dry-run', '--retention-days', '14']],
      ['db-status', ['MAX_AGE_HOURS=26'], ['status', '--max-age-hours', '26']],
    ] as [string, string[], string[]][]) {
      const argv = expand(target, ...vars);
      expect(argv, target).toEqual(want);
      expect(() => accepted(argv), target).not.toThrow();
    }
  });
});
