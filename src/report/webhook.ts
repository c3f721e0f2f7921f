// Slack-compatible webhook ({"text": …}; Mattermost, Rocket.Chat and Teams workflows accept it).
import { PgkeepError } from '../util/errors.js';
import type { RunRecord } from './status-record.js';

export function webhookText(run: RunRecord, repository?: string): string {
  const where = [repository, run.cluster].filter(Boolean).join(' / ');
  const head = `${run.ok ? ':white_check_mark:' : ':rotating_light:'} pgkeep ${run.action}${run.kind ? ' ' + run.kind : ''} ${run.ok ? 'recovered' : 'FAILED'}${where ? ` (${where})` : ''}`;
  return [head, run.error, run.runUrl].filter(Boolean).join('\n');
}

export async function postWebhook(url: string, run: RunRecord, repository?: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: webhookText(run, repository) }) });
  } catch (e) {
    throw new PgkeepError('webhook', `The webhook could not be reached: ${(e as Error).message}.`);
  }
  if (!res.ok) throw new PgkeepError('webhook', `The webhook answered ${res.status}.`, 'Check the webhook-url secret.');
}
