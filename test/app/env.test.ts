import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv, readPrivateKey } from '../../app/config/env.js';

const APP = { APP_ID: '123', PRIVATE_KEY: '-----BEGIN RSA PRIVATE KEY-----\\nabc\\n-----END RSA PRIVATE KEY-----', WEBHOOK_SECRET: 's', DATABASE_URL: 'postgres://u@h:5432/d' };

describe('parseEnv', () => {
  const failing: { name: string; env: Record<string, string>; needs: Parameters<typeof parseEnv>[1]; message: RegExp }[] = [
    { name: 'a missing APP_ID is named with where to find it', env: { ...APP, APP_ID: '' }, needs: ['github-app'], message: /APP_ID is missing: set APP_ID to the numeric App ID/ },
    { name: 'neither PRIVATE_KEY nor PRIVATE_KEY_PATH names PRIVATE_KEY', env: { APP_ID: '1', WEBHOOK_SECRET: 's' }, needs: ['github-app'], message: /PRIVATE_KEY is missing/ },
    { name: 'a non-numeric PORT names PORT and the value', env: { ...APP, PORT: 'http' }, needs: [], message: /PORT: .*\(got "http"\)/ },
    { name: 'a REDIS_URL that is not a URL names REDIS_URL', env: { ...APP, REDIS_URL: 'localhost' }, needs: [], message: /REDIS_URL: must be a URL/ },
    { name: 'GHE_HOST with a scheme is refused', env: { ...APP, GHE_HOST: 'https://ghe.example.com' }, needs: [], message: /GHE_HOST: must be a host name/ },
    { name: 'a SLACK_API_URL that is not a URL names it', env: { ...APP, SLACK_API_URL: 'slack.internal/api' }, needs: [], message: /SLACK_API_URL: must be a URL \(https:\/\/slack.com\/api\/\)/ },
    { name: 'a PAGERDUTY_EVENTS_URL that is not a URL names it', env: { ...APP, PAGERDUTY_EVENTS_URL: 'events.eu.pagerduty.com' }, needs: [], message: /PAGERDUTY_EVENTS_URL: must be a URL/ },
    { name: 'the worker needs DATABASE_URL', env: { ...APP, DATABASE_URL: '' }, needs: ['database'], message: /DATABASE_URL is missing/ },
  ];
  it.each(failing)('$name', ({ env, needs, message }) => {
    expect(() => parseEnv(env, needs)).toThrow(EnvError);
    expect(() => parseEnv(env, needs)).toThrow(message);
  });

  it('applies defaults for the optional variables', () => {
    const env = parseEnv(APP, ['github-app', 'database']);
    expect(env).toMatchObject({ APP_ID: 123, PORT: 3000, WEBHOOK_PATH: '/api/github/webhooks', REDIS_URL: 'redis://127.0.0.1:6379', QUEUE_PREFIX: 'slo-scout' });
  });

  it('reads a PEM with escaped newlines and a base64-encoded PEM alike', () => {
    const pem = readPrivateKey(parseEnv(APP));
    expect(pem.split('\n')).toHaveLength(3);
    expect(readPrivateKey(parseEnv({ ...APP, PRIVATE_KEY: Buffer.from(pem).toString('base64') }))).toBe(pem);
  });

  it('a PRIVATE_KEY_PATH that does not exist says which path and what to do', () => {
    expect(() => readPrivateKey(parseEnv({ ...APP, PRIVATE_KEY: '', PRIVATE_KEY_PATH: '/nonexistent/key.pem' }))).toThrow(/PRIVATE_KEY_PATH: cannot read \/nonexistent\/key.pem \(ENOENT\)/);
  });
});
