// pg-verify: `pgkeep verify` as an action. mode check (checksums, pg_restore --list,
// pg_verifybackup, WAL chain) or drill (restore into a throwaway cluster, amcheck, RTO);
// optional max-age-hours turns a stale repository (dead-man check) into a failure.
import { runVerify } from '../../commands/verify.js';
import { formatBytes, formatDuration } from '../../report/format.js';
import { PgkeepError } from '../../util/errors.js';
import { log } from '../../util/log.js';
import { choiceInput, input, positiveNumberInput } from '../action-inputs.js';
import { runAction } from '../action-runner.js';
import { Inputs, Outputs } from '../constants.js';

interface VerifyInputs {
  mode: 'check' | 'drill';
  backup?: string;
  maxAgeHours?: number;
}

export function run(env = process.env): Promise<void> {
  return runAction<VerifyInputs>(
    {
      action: 'verify',
      title: (o) => `pgkeep verify${o ? ` (${o.mode})` : ''}`,
      parseInputs: () => ({
        mode: choiceInput(Inputs.mode, ['check', 'drill'] as const, 'check'),
        backup: input(Inputs.backup),
        maxAgeHours: positiveNumberInput(Inputs.maxAgeHours),
      }),
      kind: (o) => o.mode,
      maxAgeHours: (o) => o.maxAgeHours,
      outputsOnError: { [Outputs.status]: 'failed' },
      async execute(cfg, o) {
        const r = await runVerify(cfg, { backup: o.backup, drill: o.mode === 'drill' });
        const n = r.problems.length;
        // Every problem in the log (the summary lists the first ones only).
        for (const p of r.problems) log.warn([p.backupId, p.object, p.copy].filter(Boolean).join(' ') + `: ${p.message}`);
        return {
          outputs: { [Outputs.status]: r.ok ? 'passed' : 'failed', [Outputs.rtoSeconds]: r.rtoSeconds?.toFixed(1) },
          record: { backupId: r.backupId, rtoSeconds: r.rtoSeconds, durationSeconds: r.durationSeconds, recoveredTo: r.recoveredTo },
          summary: {
            facts: [
              ['Mode', o.mode],
              ['Backup', r.backupId ?? o.backup ?? 'all'],
              ['Result', r.ok ? 'passed' : `FAILED (${n} problem${n === 1 ? '' : 's'})`],
              ['Recovered to', r.recoveredTo],
              ['RTO', r.rtoSeconds !== undefined ? formatDuration(r.rtoSeconds) : undefined],
              ['RPO', r.rpoSeconds !== undefined ? formatDuration(r.rpoSeconds) : undefined],
              ['Duration', formatDuration(r.durationSeconds)],
            ],
            verify: {
              ok: r.ok,
              checked: r.checked
                ? { backups: r.checked.backups, objects: r.checked.objects, 'bytes read': formatBytes(r.checked.bytes), 'WAL segments': r.checked.walSegments }
                : undefined,
              problems: r.problems,
            },
          },
          failure: r.ok
            ? undefined
            : new PgkeepError(
                'verify-failed',
                `Verification (${o.mode}) found ${n} problem${n === 1 ? '' : 's'}${n ? `: ${r.problems[0].message}` : ''}.`,
                'See the job summary for every problem; restore from an older backup if the newest is damaged.',
              ),
        };
      },
    },
    env,
  );
}
