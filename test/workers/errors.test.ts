import { describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { classify, explainPermanent } from '../../workers/errors.js';
import { UserInputError } from '../../app/ports.js';

const http = (status: number, headers: Record<string, string> = {}, message = 'x') => Object.assign(new Error(message), { status, response: { headers } });

describe('classify worker errors', () => {
  it.each([
    { name: 'a GitHub 502 is retried', err: http(502), kind: 'transient' },
    { name: 'a network error without status is retried', err: new Error('ECONNRESET'), kind: 'transient' },
    { name: 'a 403 with x-ratelimit-remaining 0 is a rate limit and retried', err: http(403, { 'x-ratelimit-remaining': '0' }), kind: 'transient' },
    { name: 'a secondary rate limit (403 with retry-after) is retried', err: http(403, { 'retry-after': '60' }), kind: 'transient' },
    { name: 'a 429 is retried', err: http(429), kind: 'transient' },
    { name: 'a plain 403 (app lost access) is permanent', err: http(403), kind: 'permanent' },
    { name: 'a 404 is permanent', err: http(404), kind: 'permanent' },
    { name: 'a 422 validation failure is permanent', err: http(422), kind: 'permanent' },
    { name: 'bad command input is permanent', err: new UserInputError('replicas must be >= 1'), kind: 'permanent' },
    { name: 'an UnrecoverableError stays permanent', err: new UnrecoverableError('no config'), kind: 'permanent' },
  ])('$name', ({ err, kind }) => {
    expect(classify(err)).toBe(kind);
  });

  it('explains a 403 with what to check', () => {
    expect(explainPermanent(http(403, {}, 'Resource not accessible by integration'))).toMatch(/still installed .* permissions listed in app.yml/);
  });
});
