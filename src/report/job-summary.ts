// Job summary (GITHUB_STEP_SUMMARY) as one HTML/markdown string. Every outside value (ids,
// database names, error text, plan lines) is escaped here: core.summary writes raw HTML.
import type { VerifyProblem } from '../commands/types.js';
import { escapeHtml } from './escape.js';
import type { RecoveryWindow } from './freshness.js';
import { ageSeconds, formatAge, formatBytes } from './format.js';

export interface SummaryInput {
  /** "pgkeep backup", "pgkeep restore (dry run)", … */
  title: string;
  ok: boolean;
  cluster?: string;
  /** Key facts in order: [label, value]; values are escaped. */
  facts: [string, string | number | undefined][];
  databases?: string[];
  /** Logical restore of several databases: one row each; `result` is seconds, "not started" or "failed: <cause>". */
  databaseRestores?: { database: string; into: string; result: string }[];
  /** Header of the `into` column ("Restored into", or "Into (planned)" in a dry run). */
  databaseRestoresInto?: string;
  /** Objects written (backup): name, raw and stored bytes. */
  objects?: { name: string; rawBytes: number; bytes: number }[];
  window?: RecoveryWindow;
  /** Freshness problems/notes worth showing even on success. */
  warnings?: string[];
  verify?: { ok: boolean; checked?: Record<string, string | number>; problems: VerifyProblem[] };
  /** Restore plan lines (dry run or executed). */
  plan?: string[];
  planIsDryRun?: boolean;
  error?: { message: string; hint?: string; code?: string };
  now: Date;
}

const e = escapeHtml;
export const MAX_PROBLEMS = 50;

function table(rows: [string, string | number | undefined][]): string {
  const body = rows
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `<tr><th align="left">${e(k)}</th><td>${e(v)}</td></tr>`)
    .join('\n');
  return `<table>\n${body}\n</table>\n`;
}

export function renderJobSummary(s: SummaryInput): string {
  const out: string[] = [];
  out.push(`<h2>${s.ok ? '✅' : '❌'} ${e(s.title)}${s.cluster ? ` — ${e(s.cluster)}` : ''}</h2>\n`);
  if (s.error) {
    out.push(`<p><strong>Failed:</strong> ${e(s.error.message)}</p>\n`);
    if (s.error.hint) out.push(`<p><strong>Hint:</strong> ${e(s.error.hint)}</p>\n`);
  }
  if (s.facts.length) out.push(table(s.facts));
  if (s.databases?.length) out.push(`<p><strong>Databases:</strong> ${s.databases.map((d) => `<code>${e(d)}</code>`).join(', ')}</p>\n`);
  if (s.databaseRestores?.length)
    out.push(
      `<table>\n<tr><th>Database</th><th>${e(s.databaseRestoresInto ?? 'Restored into')}</th><th>Seconds</th></tr>\n${s.databaseRestores
        .map((d) => `<tr><td><code>${e(d.database)}</code></td><td><code>${e(d.into)}</code></td><td>${e(d.result)}</td></tr>`)
        .join('\n')}\n</table>\n`,
    );
  if (s.objects?.length)
    out.push(
      `<details><summary>${s.objects.length} object(s)</summary>\n<table>\n<tr><th>Object</th><th>Raw</th><th>Stored</th></tr>\n${s.objects
        .map((o) => `<tr><td><code>${e(o.name)}</code></td><td>${e(formatBytes(o.rawBytes))}</td><td>${e(formatBytes(o.bytes))}</td></tr>`)
        .join('\n')}\n</table>\n</details>\n`,
    );
  if (s.plan?.length) {
    out.push(`<h3>${s.planIsDryRun ? 'Restore plan (dry run: nothing was written)' : 'Restore steps'}</h3>\n`);
    out.push(`<ol>\n${s.plan.map((l) => `<li>${e(l)}</li>`).join('\n')}\n</ol>\n`);
  }
  if (s.verify) {
    out.push(`<h3>Verification: ${s.verify.ok ? 'passed' : 'FAILED'}</h3>\n`);
    if (s.verify.checked) out.push(table(Object.entries(s.verify.checked).map(([k, v]) => [k, v])));
    // A step summary is limited to 1 MiB: list the first problems, count the rest.
    const shown = s.verify.problems.slice(0, MAX_PROBLEMS);
    const more = s.verify.problems.length - shown.length;
    if (shown.length)
      out.push(
        `<ul>\n${shown
          .map((p) => `<li>${[p.backupId, p.object, p.copy].filter(Boolean).map((x) => `<code>${e(x)}</code>`).join(' ')} ${e(p.message)}</li>`)
          .join('\n')}${more > 0 ? `\n<li>… and ${more} more (see the log)</li>` : ''}\n</ul>\n`,
      );
  }
  out.push('<h3>Recovery window</h3>\n');
  if (s.window?.newest)
    out.push(`<p>Restorable from <strong>${e(s.window.oldest ?? '?')}</strong> to <strong>${e(s.window.newest)}</strong> (${e(formatAge(ageSeconds(s.window.newest, s.now)))}).</p>\n`);
  else if (s.window) out.push('<p>Empty: the repository holds no restorable backup.</p>\n');
  else out.push('<p>Not read: the run stopped before it could read the repository.</p>\n');
  if (s.warnings?.length) out.push(`<ul>\n${s.warnings.map((w) => `<li>⚠️ ${e(w)}</li>`).join('\n')}\n</ul>\n`);
  return out.join('');
}
