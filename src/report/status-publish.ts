// Write the status record to its branch in one commit per run (git data API): read the
// current status.json, append this run, rewrite status.json, README.md, badge.svg, chart.svg.
// The branch is an orphan (no code in it); a concurrent run (fleet matrix) that moved the
// branch first makes the ref update fail as non-fast-forward, and we retry on the new head.
import { PgkeepError } from '../util/errors.js';
import { renderBadge } from './badge.js';
import { renderChart } from './chart.js';
import { githubRequest, type GitHubTarget } from './github-api.js';
import { renderStatusPage } from './status-page.js';
import { appendRun, parseStatus, type RunRecord, type StatusFile } from './status-record.js';

export interface PublishOptions {
  branch: string;
  /** Folder on the branch ('' = root); fleets use one per cluster. */
  dir?: string;
  now?: Date;
  attempts?: number;
}

const enc = (p: string) => p.split('/').map(encodeURIComponent).join('/');

export function statusFiles(s: StatusFile, now: Date): Record<string, string> {
  return {
    'status.json': JSON.stringify(s, null, 2) + '\n',
    'README.md': renderStatusPage(s, now),
    'badge.svg': renderBadge(s, now),
    'chart.svg': renderChart(s, now),
  };
}

export async function publishStatus(gh: GitHubTarget, run: RunRecord, o: PublishOptions): Promise<{ commit: string; status: StatusFile }> {
  const now = o.now ?? new Date();
  const dir = (o.dir ?? '').replace(/^\/+|\/+$/g, '');
  const prefix = dir ? `${dir}/` : '';
  const attempts = o.attempts ?? 5;
  for (let i = 1; ; i++) {
    const ref = await githubRequest(gh, 'GET', `/repos/{repo}/git/ref/heads/${enc(o.branch)}`, undefined, [404]);
    const head: string | undefined = ref.status === 404 ? undefined : ref.data?.object?.sha;
    let prevText: string | undefined;
    let baseTree: string | undefined;
    if (head) {
      const commit = await githubRequest(gh, 'GET', `/repos/{repo}/git/commits/${head}`);
      baseTree = commit.data?.tree?.sha;
      const file = await githubRequest(gh, 'GET', `/repos/{repo}/contents/${enc(prefix + 'status.json')}?ref=${encodeURIComponent(o.branch)}`, undefined, [404]);
      if (file.status !== 404 && typeof file.data?.content === 'string') prevText = Buffer.from(file.data.content, 'base64').toString('utf8');
    }
    const status = appendRun(parseStatus(prevText, run.cluster), run);
    const files = statusFiles(status, now);
    const tree = await githubRequest(gh, 'POST', '/repos/{repo}/git/trees', {
      ...(baseTree ? { base_tree: baseTree } : {}),
      tree: Object.entries(files).map(([path, content]) => ({ path: prefix + path, mode: '100644', type: 'blob', content })),
    });
    const message = `pgkeep: ${run.action}${run.kind ? ' ' + run.kind : ''} ${run.ok ? 'ok' : 'FAILED'}${run.cluster ? ` (${run.cluster})` : ''}`;
    const commit = await githubRequest(gh, 'POST', '/repos/{repo}/git/commits', {
      message,
      tree: tree.data.sha,
      parents: head ? [head] : [],
    });
    const sha: string = commit.data.sha;
    const upd = head
      ? await githubRequest(gh, 'PATCH', `/repos/{repo}/git/refs/heads/${enc(o.branch)}`, { sha, force: false }, [409, 422])
      : await githubRequest(gh, 'POST', '/repos/{repo}/git/refs', { ref: `refs/heads/${o.branch}`, sha }, [409, 422]);
    if (upd.status < 300) return { commit: sha, status };
    if (i >= attempts)
      throw new PgkeepError('github-api', `Could not update branch ${o.branch} after ${attempts} attempts: another run kept moving it.`);
    await new Promise((r) => setTimeout(r, 200 * i + Math.random() * 300));
  }
}
