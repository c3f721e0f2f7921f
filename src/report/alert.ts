// Alerting: one open issue labelled `pgkeep-alert` per cluster. A failed run opens it (or
// comments on the open one); the next successful run comments and closes it.
import { escapeHtml } from './escape.js';
import { githubRequest, type GitHubTarget } from './github-api.js';
import type { RunRecord } from './status-record.js';

export const ALERT_LABEL = 'pgkeep-alert';

/**
 * One alert per kind of run and cluster, so a logical backup that succeeds does not close the
 * alert of a failing full backup in the same job. Dry runs count as their real kind.
 */
export function alertTitle(run: Pick<RunRecord, 'action' | 'kind' | 'cluster'>): string {
  const kind = run.kind?.replace(/ ?dry-run$/, '');
  return `pgkeep: ${run.action}${kind ? ' ' + kind : ''} failing${run.cluster ? ` on ${run.cluster}` : ''}`;
}

function describe(run: RunRecord): string {
  const what = `**${run.action}${run.kind ? ' ' + escapeHtml(run.kind) : ''}** ${run.ok ? 'succeeded' : 'failed'} at ${escapeHtml(run.at)}`;
  const lines = [what + '.'];
  if (run.error) lines.push('', '> ' + escapeHtml(run.error).replace(/\n/g, '\n> '));
  if (run.backupId) lines.push('', `Backup: \`${escapeHtml(run.backupId)}\``);
  if (run.window?.newest) lines.push('', `Recovery window: ${escapeHtml(run.window.oldest ?? '?')} → ${escapeHtml(run.window.newest)}`);
  // A copy that lags is often why a run failed (it was down): say how far behind it is.
  if (run.copyLag?.length) lines.push('', 'Copies behind:', ...run.copyLag.map((l) => `- ${escapeHtml(l)}`));
  if (run.runUrl) lines.push('', `Run: ${run.runUrl}`);
  return lines.join('\n');
}

export type AlertAction = 'opened' | 'commented' | 'closed' | 'none';

export async function updateAlert(gh: GitHubTarget, run: RunRecord): Promise<{ action: AlertAction; issue?: number }> {
  const title = alertTitle(run);
  const list = await githubRequest<any[]>(gh, 'GET', `/repos/{repo}/issues?labels=${ALERT_LABEL}&state=open&per_page=100`);
  const open = (list.data ?? []).find((i) => !i.pull_request && i.title === title);
  if (!run.ok) {
    if (open) {
      await githubRequest(gh, 'POST', `/repos/{repo}/issues/${open.number}/comments`, { body: describe(run) });
      return { action: 'commented', issue: open.number };
    }
    const created = await githubRequest(gh, 'POST', '/repos/{repo}/issues', {
      title,
      labels: [ALERT_LABEL],
      body: `${describe(run)}\n\nThis issue closes itself on the next successful run.`,
    });
    return { action: 'opened', issue: created.data?.number };
  }
  if (!open) return { action: 'none' };
  await githubRequest(gh, 'POST', `/repos/{repo}/issues/${open.number}/comments`, { body: `Recovered: ${describe(run)}` });
  await githubRequest(gh, 'PATCH', `/repos/{repo}/issues/${open.number}`, { state: 'closed', state_reason: 'completed' });
  return { action: 'closed', issue: open.number };
}
