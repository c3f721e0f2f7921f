// A minimal GitHub REST client (plain fetch against GITHUB_API_URL, so GitHub Enterprise and
// test servers work the same; no Octokit needed for a handful of calls).
import { PgkeepError } from '../util/errors.js';

export interface GitHubTarget {
  /** https://api.github.com, or GHES https://host/api/v3 */
  apiUrl: string;
  /** owner/name */
  repository: string;
  token: string;
}

export interface ApiResponse<T = any> {
  status: number;
  data: T;
}

export async function githubRequest<T = any>(
  t: GitHubTarget,
  method: string,
  path: string,
  body?: unknown,
  okStatuses: number[] = [],
): Promise<ApiResponse<T>> {
  const url = t.apiUrl.replace(/\/+$/, '') + path.replace('{repo}', t.repository);
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${t.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'pgkeep',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
  } catch (err) {
    throw new PgkeepError('github-api', `Could not reach the GitHub API at ${t.apiUrl}: ${(err as Error).message}.`);
  }
  const text = await res.text();
  let data: any = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = text;
  }
  if (res.ok || okStatuses.includes(res.status)) return { status: res.status, data };
  const msg = typeof data === 'object' && data?.message ? data.message : text.slice(0, 200);
  throw new PgkeepError(
    'github-api',
    `GitHub API ${method} ${path.replace('{repo}', t.repository)} answered ${res.status}: ${msg}.`,
    res.status === 403 || res.status === 404
      ? 'Give the workflow `permissions: contents: write, issues: write` and pass `github-token: ${{ github.token }}`.'
      : undefined,
  );
}
