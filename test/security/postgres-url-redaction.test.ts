/**
 * Invalid DATABASE_URL / REDIS_URL values are reported without their passwords (issue 9, finding 6),
 * and so are pg errors and the unexpected-error line of the CLI.
 */
import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from '../../app/config/env.js';
import { redactUrl } from '../../app/redact.js';
import { describePgError } from '../../app/store/db.js';

function envError(vars: Record<string, string>): string {
  try {
    parseEnv(vars, ['database']);
  } catch (err) {
    expect(err).toBeInstanceOf(EnvError);
    return (err as Error).message;
  }
  throw new Error('parseEnv accepted an invalid environment');
}

describe('connection URLs in error messages', () => {
  it.each([
    ['DATABASE_URL', 'postgres://app:pgS3cret@db:99999/slo'],
    ['REDIS_URL', 'redis://:r3disS3cret@cache:port'],
    ['REDIS_URL', 'rediss://default:r3disS3cret@cache:-1'],
  ])('an invalid %s is named, with the host kept and the password hidden', (name, value) => {
    const message = envError({ DATABASE_URL: 'postgres://u@localhost/db', [name]: value });
    expect(message).toContain(name);
    expect(message).not.toMatch(/S3cret/);
    expect(message).toMatch(/:\*\*\*@/);
  });

  it('a value that is not even a URL is not echoed at all', () => {
    const message = envError({ DATABASE_URL: 'host=db password=pgS3cret' });
    expect(message).toContain('DATABASE_URL');
    expect(message).not.toMatch(/S3cret/);
  });

  it('redactUrl handles URLs inside text and user-only URLs', () => {
    expect(redactUrl('connect to postgres://app:pw@db:5432/x failed')).toBe('connect to postgres://app:***@db:5432/x failed');
    expect(redactUrl('redis://token@cache')).toBe('redis://***@cache');
    expect(redactUrl('postgres://db/x')).toBe('postgres://db/x');
  });

  it('pg errors that echo a connection string are redacted', () => {
    expect(describePgError(Object.assign(new Error('bad postgres://a:pgS3cret@h/x'), { code: '08001' }))).toBe('08001: bad postgres://a:***@h/x');
  });
});
