/**
 * Strict HTTP mocking for GitHub/GitLab (renovate's test/http-mock.ts habit): no real network,
 * localhost allowed (our own server, Redis, PostgreSQL), and every test ends by asserting that
 * all mocks were used and nothing unmatched was requested.
 */
import nock from 'nock';

const unmatched: string[] = [];

export function setupHttpMock(): void {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost)(:\d+)?$/);
  nock.emitter.on('no match', onNoMatch);
}

function onNoMatch(req: { method?: string; path?: string; host?: string; options?: { host?: string; path?: string; method?: string } }): void {
  const host = req.host ?? req.options?.host ?? '';
  if (/^(127\.0\.0\.1|localhost)/.test(host)) return;
  unmatched.push(`${req.method ?? req.options?.method ?? '?'} ${host}${req.path ?? req.options?.path ?? ''}`);
}

/** Throws if a mock was not used or a request had no mock; then clears everything. */
export function assertHttpMocksDone(): void {
  const pending = nock.pendingMocks();
  const extra = unmatched.splice(0);
  nock.cleanAll();
  if (pending.length) throw new Error(`unused HTTP mocks:\n  ${pending.join('\n  ')}`);
  if (extra.length) throw new Error(`requests without a mock:\n  ${extra.join('\n  ')}`);
}

export function teardownHttpMock(): void {
  nock.emitter.removeListener('no match', onNoMatch);
  nock.cleanAll();
  nock.enableNetConnect();
}

export { nock };
