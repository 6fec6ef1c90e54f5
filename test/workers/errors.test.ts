import { describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
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
    { name: 'a TypeError from our code is a bug and permanent', err: new TypeError("Cannot read properties of undefined (reading 'filter')"), kind: 'permanent' },
    { name: 'a ReferenceError is a bug and permanent', err: new ReferenceError('x is not defined'), kind: 'permanent' },
    { name: 'a RangeError is a bug and permanent', err: new RangeError('Invalid time value'), kind: 'permanent' },
    { name: 'a zod error on data we built is permanent', err: z.object({ n: z.number() }).safeParse({ n: 'x' }).error, kind: 'permanent' },
    { name: "fetch's network TypeError (fetch failed, ECONNREFUSED) is retried", err: new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) }), kind: 'transient' },
    { name: "fetch's broken-off body (terminated) is retried", err: new TypeError('terminated'), kind: 'transient' },
    { name: 'a TypeError caused by an undici socket error is retried', err: new TypeError('other side closed', { cause: { code: 'UND_ERR_SOCKET' } }), kind: 'transient' },
  ])('$name', ({ err, kind }) => {
    expect(classify(err)).toBe(kind);
  });

  it('explains a bug as an internal error with its type', () => {
    expect(explainPermanent(new TypeError('x is not a function'))).toMatch(/^internal error in SLO-Scout \(TypeError: x is not a function\)/);
  });

  it('explains a 403 with what to check', () => {
    expect(explainPermanent(http(403, {}, 'Resource not accessible by integration'))).toMatch(/still installed .* permissions listed in app.yml/);
  });
});
