// A local stand-in for the GitHub REST API (GitHub is unreachable here): just enough git data
// API (refs, commits, trees, contents) and issues to observe what the actions do, recording
// every request. Also serves as the webhook receiver (POST /hook).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  body: any;
  auth?: string;
}

export interface FakeGitHub {
  url: string;
  requests: Recorded[];
  refs: Map<string, string>;
  commits: Map<string, { message: string; tree: string; parents: string[] }>;
  trees: Map<string, Record<string, string>>;
  issues: { number: number; title: string; state: string; labels: { name: string }[]; body: string; comments: string[] }[];
  /** Files of the tree at a branch head. */
  filesAt(branch: string): Record<string, string>;
  close(): Promise<void>;
}

export async function startFakeGitHub(repo = 'o/r'): Promise<FakeGitHub> {
  const requests: Recorded[] = [];
  const refs = new Map<string, string>();
  const commits = new Map<string, { message: string; tree: string; parents: string[] }>();
  const trees = new Map<string, Record<string, string>>();
  const issues: FakeGitHub['issues'] = [];
  let n = 0;
  const sha = () => (++n).toString(16).padStart(40, '0');
  const base = `/repos/${repo}`;

  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => {
      const body = raw ? JSON.parse(raw) : undefined;
      const url = new URL(req.url!, 'http://x');
      const p = url.pathname;
      requests.push({ method: req.method!, path: req.url!, body, auth: req.headers.authorization });
      const send = (status: number, data?: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(data === undefined ? '' : JSON.stringify(data));
      };
      if (p === '/hook') return send(200, { ok: true });
      if (!p.startsWith(base + '/')) return send(404, { message: 'Not Found' });
      const rest = p.slice(base.length);
      let m: RegExpExecArray | null;
      if (req.method === 'GET' && (m = /^\/git\/ref\/heads\/(.+)$/.exec(rest))) {
        const s = refs.get(decodeURIComponent(m[1]));
        return s ? send(200, { object: { sha: s } }) : send(404, { message: 'Not Found' });
      }
      if (req.method === 'GET' && (m = /^\/git\/commits\/(\w+)$/.exec(rest))) {
        const c = commits.get(m[1]);
        return c ? send(200, { sha: m[1], tree: { sha: c.tree } }) : send(404, { message: 'Not Found' });
      }
      if (req.method === 'GET' && (m = /^\/contents\/(.+)$/.exec(rest))) {
        const head = refs.get(url.searchParams.get('ref') ?? '');
        const content = head ? trees.get(commits.get(head)!.tree)?.[decodeURIComponent(m[1])] : undefined;
        return content !== undefined ? send(200, { content: Buffer.from(content).toString('base64'), encoding: 'base64' }) : send(404, { message: 'Not Found' });
      }
      if (req.method === 'POST' && rest === '/git/trees') {
        const files: Record<string, string> = { ...(body.base_tree ? trees.get(body.base_tree) : {}) };
        for (const e of body.tree) files[e.path] = e.content;
        const s = sha();
        trees.set(s, files);
        return send(201, { sha: s });
      }
      if (req.method === 'POST' && rest === '/git/commits') {
        const s = sha();
        commits.set(s, { message: body.message, tree: body.tree, parents: body.parents });
        return send(201, { sha: s });
      }
      if (req.method === 'POST' && rest === '/git/refs') {
        const name = String(body.ref).replace(/^refs\/heads\//, '');
        if (refs.has(name)) return send(422, { message: 'Reference already exists' });
        refs.set(name, body.sha);
        return send(201, { ref: body.ref, object: { sha: body.sha } });
      }
      if (req.method === 'PATCH' && (m = /^\/git\/refs\/heads\/(.+)$/.exec(rest))) {
        const name = decodeURIComponent(m[1]);
        const cur = refs.get(name);
        if (!cur) return send(422, { message: 'Reference does not exist' });
        if (!body.force && !commits.get(body.sha)?.parents.includes(cur)) return send(422, { message: 'Update is not a fast forward' });
        refs.set(name, body.sha);
        return send(200, { object: { sha: body.sha } });
      }
      if (req.method === 'GET' && rest === '/issues') {
        const label = url.searchParams.get('labels');
        const state = url.searchParams.get('state') ?? 'open';
        return send(200, issues.filter((i) => i.state === state && (!label || i.labels.some((l) => l.name === label))));
      }
      if (req.method === 'POST' && rest === '/issues') {
        const i = { number: issues.length + 1, title: body.title, state: 'open', labels: (body.labels ?? []).map((name: string) => ({ name })), body: body.body, comments: [] };
        issues.push(i);
        return send(201, i);
      }
      if ((m = /^\/issues\/(\d+)(\/comments)?$/.exec(rest))) {
        const i = issues.find((x) => x.number === Number(m![1]));
        if (!i) return send(404, { message: 'Not Found' });
        if (req.method === 'POST' && m[2]) {
          i.comments.push(body.body);
          return send(201, { id: i.comments.length });
        }
        if (req.method === 'PATCH' && !m[2]) {
          Object.assign(i, { state: body.state ?? i.state });
          return send(200, i);
        }
      }
      return send(404, { message: `fake: no route ${req.method} ${rest}` });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    refs,
    commits,
    trees,
    issues,
    filesAt(branch) {
      const head = refs.get(branch);
      return head ? (trees.get(commits.get(head)!.tree) ?? {}) : {};
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
