// Status branch and alert against the local GitHub API stand-in: concurrent runs of a fleet
// all land (non-fast-forward retries), folders per cluster, alert open → comment → close.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { updateAlert } from '../../../src/report/alert.js';
import type { GitHubTarget } from '../../../src/report/github-api.js';
import { publishStatus } from '../../../src/report/status-publish.js';
import type { RunRecord } from '../../../src/report/status-record.js';
import { startFakeGitHub, type FakeGitHub } from '../../e2e/actions/fake-github.js';

let gh: FakeGitHub;
let t: GitHubTarget;
beforeEach(async () => {
  gh = await startFakeGitHub('o/r');
  t = { apiUrl: gh.url, repository: 'o/r', token: 'tkn' };
});
afterEach(() => gh.close());

const run = (over: Partial<RunRecord>): RunRecord => ({ at: new Date().toISOString(), action: 'backup', ok: true, kind: 'full', ...over });

describe('status branch', () => {
  it('concurrent runs of several clusters all land, each in its own folder, as a linear history', async () => {
    const clusters = ['a', 'b', 'c', 'a', 'b', 'c'];
    await Promise.all(clusters.map((cluster, i) => publishStatus(t, run({ cluster, backupId: `id${i}` }), { branch: 'pgkeep-status', dir: cluster, attempts: 20 })));
    const files = gh.filesAt('pgkeep-status');
    for (const c of ['a', 'b', 'c']) {
      const s = JSON.parse(files[`${c}/status.json`]);
      expect(s.cluster).toBe(c);
      expect(s.runs.map((r: RunRecord) => r.backupId).sort()).toEqual(clusters.map((x, i) => (x === c ? `id${i}` : null)).filter(Boolean).sort());
      expect(files[`${c}/badge.svg`]).toContain('<svg');
      expect(files[`${c}/README.md`]).toContain(`# pgkeep status — ${c}`);
    }
    // Linear: six commits, each the parent of the next, the first an orphan.
    let head = gh.refs.get('pgkeep-status');
    let n = 0;
    while (head) {
      n++;
      head = gh.commits.get(head)!.parents[0];
    }
    expect(n).toBe(6);
    // Some attempts were rejected as non-fast-forward and retried.
    expect(gh.requests.filter((r) => r.method === 'PATCH' || (r.method === 'POST' && r.path.endsWith('/git/refs'))).length).toBeGreaterThan(6);
  });

  it('an API refusal (unknown repository) becomes a github-api error with the permissions hint', async () => {
    await expect(publishStatus({ ...t, repository: 'x/forbidden' }, run({}), { branch: 'b' })).rejects.toMatchObject({ code: 'github-api', hint: expect.stringContaining('contents: write') });
  });
});

describe('alert issue', () => {
  it('opens once per kind, comments on repeats, closes on the next success of the same kind only', async () => {
    expect(await updateAlert(t, run({ ok: false, error: 'disk <full>' }))).toEqual({ action: 'opened', issue: 1 });
    expect(await updateAlert(t, run({ ok: false, error: 'again' }))).toEqual({ action: 'commented', issue: 1 });
    expect(await updateAlert(t, run({ ok: true, kind: 'logical' }))).toEqual({ action: 'none' });
    expect(await updateAlert(t, run({ ok: false, kind: 'drill', action: 'verify' }))).toEqual({ action: 'opened', issue: 2 });
    expect(await updateAlert(t, run({ ok: true }))).toEqual({ action: 'closed', issue: 1 });
    expect(gh.issues[0]).toMatchObject({ title: 'pgkeep: backup full failing', state: 'closed', labels: [{ name: 'pgkeep-alert' }] });
    expect(gh.issues[0].body).toContain('disk &lt;full&gt;');
    expect(gh.issues[0].comments).toHaveLength(2);
    expect(gh.issues[1]).toMatchObject({ title: 'pgkeep: verify drill failing', state: 'open' });
  });
});
