import nock from 'nock';

/** An in-memory repo behind nock: files per ref, one PR, team memberships; records check runs. */
export interface FakeRepo {
  owner: string;
  name: string;
  baseSha: string;
  headSha: string;
  author: string;
  state: 'open' | 'closed';
  files: Record<string, Record<string, string>>; // ref -> path -> text
  changed: { filename: string; status: string; previous_filename?: string }[];
  teams: Record<string, string[]>; // "org/slug" -> logins
  /** Submitted reviews (GET /pulls/{n}/reviews), oldest first. */
  reviews?: { id: number; user: { login: string }; state: string; commit_id: string; submitted_at: string }[];
  checkRuns: { name: string; head_sha: string; details_url?: string; status: string; conclusion: string; output: { title: string; summary: string; text?: string; annotations?: { path: string; start_line: number; message: string }[] } }[];
}

export function mockGitHub(r: FakeRepo): nock.Scope {
  const base = `/repos/${r.owner}/${r.name}`;
  return nock('https://api.github.com')
    .persist()
    .get(new RegExp(`^${base}/pulls/\\d+$`))
    .reply(() => [200, { number: 12, state: r.state, merged: false, head: { sha: r.headSha }, base: { sha: r.baseSha }, user: { login: r.author }, html_url: `https://github.com/${r.owner}/${r.name}/pull/12` }])
    .get(new RegExp(`^${base}/pulls/\\d+/files\\?`))
    .reply(() => [200, r.changed])
    .get(new RegExp(`^${base}/pulls/\\d+/reviews\\?`))
    .reply(() => [200, r.reviews ?? []])
    .get(new RegExp(`^${base}/contents/`))
    .reply((uri) => {
      const url = new URL(uri, 'https://api.github.com');
      const path = decodeURIComponent(url.pathname.slice(`${base}/contents/`.length));
      const text = r.files[url.searchParams.get('ref') ?? '']?.[path];
      return text === undefined ? [404, { message: 'Not Found' }] : [200, { type: 'file', encoding: 'base64', content: Buffer.from(text).toString('base64'), path }];
    })
    .get(new RegExp(`^${base}/git/trees/`))
    .reply((uri) => {
      const ref = new URL(uri, 'https://api.github.com').pathname.split('/').pop()!;
      return [200, { sha: ref, truncated: false, tree: Object.keys(r.files[ref] ?? {}).map((path) => ({ path, type: 'blob' })) }];
    })
    .get(/^\/orgs\/[^/]+\/teams\/[^/]+\/memberships\/[^/]+$/)
    .reply((uri) => {
      const [, , org, , slug, , login] = uri.split('/');
      return r.teams[`${org}/${slug}`]?.includes(login!) ? [200, { state: 'active', role: 'member' }] : [404, { message: 'Not Found' }];
    })
    .post(`${base}/check-runs`)
    .reply((_uri, body) => {
      r.checkRuns.push(body as FakeRepo['checkRuns'][number]);
      return [201, { id: r.checkRuns.length }];
    });
}
