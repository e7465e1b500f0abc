// A loopback stand-in for the GitHub REST API issue-comment endpoints, for unit and dist tests
// (point `GITHUB_API_URL` at `url`). Paginates like GitHub: `page`/`per_page` and a `Link` header.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StubComment {
  id: number;
  owner: string;
  repo: string;
  issueNumber: number;
  body: string;
  user: { login: string; type: string };
  created_at: string;
  updated_at: string;
}

export interface StubRequest {
  method: string;
  /** Path and query, e.g. `/repos/o/r/issues/1/comments?per_page=100&page=2`. */
  url: string;
  body?: unknown;
  authorization?: string;
}

export interface GitHubStub {
  url: string;
  comments: StubComment[];
  requests: StubRequest[];
  /** Answer every later request (or only those with `method`) with this status; `undefined` clears it. */
  failWith(status: number | undefined, method?: string): void;
  /** Add a comment as someone else (e.g. 250 unrelated comments before ours). */
  addComment(
    issueNumber: number,
    body: string,
    opts?: { owner?: string; repo?: string; login?: string },
  ): StubComment;
  /** Comments on one issue, oldest first. */
  on(issueNumber: number, owner?: string, repo?: string): StubComment[];
  /** What `GET /repos/:o/:r/commits/:sha/pulls` answers for `sha` (default `[]`). */
  setPullsForCommit(sha: string, prs: unknown[]): void;
  stop(): Promise<void>;
}

const MESSAGES: Record<number, string> = {
  401: 'Bad credentials',
  403: 'Resource not accessible by integration',
  404: 'Not Found',
  422: 'Validation Failed',
  500: 'Internal Server Error',
};

export async function start(opts: { owner?: string; repo?: string } = {}): Promise<GitHubStub> {
  const defaultOwner = opts.owner ?? 'acme';
  const defaultRepo = opts.repo ?? 'infra';
  const comments: StubComment[] = [];
  const requests: StubRequest[] = [];
  let failure: { status: number; method?: string } | undefined;
  let nextId = 1000;
  const now = () => new Date().toISOString();

  const addComment: GitHubStub['addComment'] = (issueNumber, body, o = {}) => {
    const c: StubComment = {
      id: nextId++,
      owner: o.owner ?? defaultOwner,
      repo: o.repo ?? defaultRepo,
      issueNumber,
      body,
      user: { login: o.login ?? 'someone', type: 'User' },
      created_at: now(),
      updated_at: now(),
    };
    comments.push(c);
    return c;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const method = req.method ?? 'GET';
      requests.push({ method, url: req.url ?? '/', body, authorization: req.headers.authorization });
      const base = `http://${req.headers.host}`;
      const u = new URL(req.url ?? '/', base);
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
        res.end(payload === undefined ? '' : JSON.stringify(payload));
      };
      const error = (status: number) =>
        send(status, {
          message: MESSAGES[status] ?? 'Error',
          documentation_url: 'https://docs.github.com/rest',
        });
      if (failure && (!failure.method || failure.method === method)) return error(failure.status);

      const view = (c: StubComment) => ({
        id: c.id,
        node_id: `IC_${c.id}`,
        url: `${base}/repos/${c.owner}/${c.repo}/issues/comments/${c.id}`,
        html_url: `https://github.com/${c.owner}/${c.repo}/pull/${c.issueNumber}#issuecomment-${c.id}`,
        issue_url: `${base}/repos/${c.owner}/${c.repo}/issues/${c.issueNumber}`,
        body: c.body,
        user: c.user,
        created_at: c.created_at,
        updated_at: c.updated_at,
      });

      let m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(u.pathname);
      if (m) {
        const [, owner, repo, n] = m as unknown as [string, string, string, string];
        const list = comments.filter(
          (c) => c.owner === owner && c.repo === repo && c.issueNumber === Number(n),
        );
        if (method === 'GET') {
          const perPage = Math.min(Number(u.searchParams.get('per_page') ?? 30) || 30, 100);
          const page = Math.max(Number(u.searchParams.get('page') ?? 1) || 1, 1);
          const last = Math.max(Math.ceil(list.length / perPage), 1);
          const link = (p: number, rel: string) => {
            const l = new URL(u.pathname, base);
            l.searchParams.set('per_page', String(perPage));
            l.searchParams.set('page', String(p));
            return `<${l.toString()}>; rel="${rel}"`;
          };
          const links: string[] = [];
          if (page > 1) links.push(link(page - 1, 'prev'), link(1, 'first'));
          if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
          const items = list.slice((page - 1) * perPage, page * perPage).map(view);
          return send(200, items, links.length ? { link: links.join(', ') } : {});
        }
        if (method === 'POST') {
          const text = (body as { body?: unknown } | undefined)?.body;
          if (typeof text !== 'string') return error(422);
          if (text.length > 65_536) return error(422);
          const c = addComment(Number(n), text, { owner, repo, login: 'github-actions[bot]' });
          c.user.type = 'Bot';
          return send(201, view(c));
        }
        return error(404);
      }
      m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/.exec(u.pathname);
      if (m && method === 'PATCH') {
        const [, owner, repo, id] = m as unknown as [string, string, string, string];
        const c = comments.find((x) => x.id === Number(id) && x.owner === owner && x.repo === repo);
        if (!c) return error(404);
        const text = (body as { body?: unknown } | undefined)?.body;
        if (typeof text !== 'string' || text.length > 65_536) return error(422);
        c.body = text;
        c.updated_at = now();
        return send(200, view(c));
      }
      m = /^\/repos\/([^/]+)\/([^/]+)\/commits\/([^/]+)\/pulls$/.exec(u.pathname);
      if (m && method === 'GET') {
        const sha = m[3];
        const prs = pullsByCommit.get(sha ?? '') ?? [];
        return send(200, prs);
      }
      return error(404);
    });
  });
  const pullsByCommit = new Map<string, unknown[]>();

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const stub: GitHubStub = {
    url: `http://127.0.0.1:${port}`,
    comments,
    requests,
    failWith(status, method) {
      failure = status === undefined ? undefined : { status, method };
    },
    addComment,
    on: (n, owner = defaultOwner, repo = defaultRepo) =>
      comments.filter((c) => c.issueNumber === n && c.owner === owner && c.repo === repo),
    setPullsForCommit(sha, prs) {
      pullsByCommit.set(sha, prs);
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
  return stub;
}
