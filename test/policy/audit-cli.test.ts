import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { AuditStore } from '../../app/store/audit.js';
import { runAudit } from '../../app/cli/audit.js';

let db: TestDatabase;
const sha = 'f'.repeat(40);
beforeAll(async () => {
  db = await createTestDatabase();
  const audit = new AuditStore(db.pool);
  await audit.append({ repo: 'acme/slos', prNumber: 4, headSha: sha, actor: 'alice', channel: 'comment', event: 'approve', reasons: ['ok by me'] });
  await audit.append({ repo: 'acme/slos', prNumber: 4, headSha: sha, actor: 'slo-scout', channel: 'system', event: 'verdict', verdict: 'success', policyHash: 'h'.repeat(64), reasons: ['p: approved by @alice (1/1)'] });
  await audit.append({ repo: 'acme/slos', prNumber: 5, headSha: sha, actor: 'slo-scout', channel: 'system', event: 'verdict', verdict: 'action_required' });
  await audit.append({ repo: 'acme/other', prNumber: 4, headSha: sha, actor: 'bob', channel: 'slack', event: 'reject' });
});
afterAll(async () => { await db?.drop(); });

describe('slo-scout audit', () => {
  it('--json lists one repo (and one PR with --pr), oldest first, with every audited field', async () => {
    const all = JSON.parse(await runAudit({ repo: 'acme/slos', json: true, databaseUrl: db.url })) as { pr: number; event: string }[];
    expect(all.map((e) => [e.pr, e.event])).toEqual([[4, 'approve'], [4, 'verdict'], [5, 'verdict']]);
    const one = JSON.parse(await runAudit({ repo: 'acme/slos', pr: '4', json: true, databaseUrl: db.url })) as Record<string, unknown>[];
    expect(one[1]).toMatchObject({ actor: 'slo-scout', channel: 'system', event: 'verdict', verdict: 'success', head_sha: sha, policy_hash: 'h'.repeat(64), reasons: ['p: approved by @alice (1/1)'] });
    expect(Object.keys(one[0]!)).toEqual(['time', 'repo', 'pr', 'head_sha', 'actor', 'channel', 'event', 'verdict', 'policy_hash', 'reasons']);
  });

  it('prints a table by default', async () => {
    const text = await runAudit({ repo: 'acme/slos', pr: '4', databaseUrl: db.url });
    expect(text).toMatch(/alice.*comment.*approve/);
    expect(text).toContain('ok by me');
  });

  it.each([
    ['a repo without owner', { repo: 'slos' }, /owner\/name/],
    ['a PR that is not a number', { repo: 'a/b', pr: 'x' }, /pull request number/],
  ])('refuses %s with a one-line message', async (_n, opts, message) => {
    await expect(runAudit({ ...opts, databaseUrl: db.url })).rejects.toThrow(message);
  });

  it('runs as a CLI command', async () => {
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'app/bin.ts', 'audit', '--repo', 'acme/other', '--json'], { env: { ...process.env, DATABASE_URL: db.url }, cwd: process.cwd() });
    expect((JSON.parse(stdout) as { actor: string }[]).map((e) => e.actor)).toEqual(['bob']);
  });
});
