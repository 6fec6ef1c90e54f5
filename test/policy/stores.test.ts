import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { DecisionStore } from '../../app/store/approvals.js';
import { AuditStore } from '../../app/store/audit.js';
import { NotificationStore } from '../../app/store/notifications.js';

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(async () => { await db?.drop(); });

const sha = 'c'.repeat(40);

describe('DecisionStore (real PostgreSQL)', () => {
  it('records decisions once per channel event and lists them oldest first', async () => {
    const store = new DecisionStore(db.pool);
    const base = { repo: 'acme/slos', prNumber: 7, headSha: sha, channel: 'comment' as const, identity: 'alice' };
    expect(await store.record({ ...base, decision: 'reject', sourceId: '1' })).toEqual({ inserted: true });
    expect(await store.record({ ...base, decision: 'approve', sourceId: '2', reason: 'looks fine' })).toEqual({ inserted: true });
    expect(await store.record({ ...base, decision: 'approve', sourceId: '2' })).toEqual({ inserted: false });
    const rows = await store.forPullRequest('acme/slos', 7);
    expect(rows.map((r) => [r.decision, r.reason])).toEqual([['reject', null], ['approve', 'looks fine']]);
    expect(await store.forPullRequest('acme/slos', 8)).toEqual([]);
  });

  it('refuses to update or delete a decision', async () => {
    await expect(db.pool.query("UPDATE policy_decisions SET decision = 'approve'")).rejects.toThrow(/append-only/);
    await expect(db.pool.query('DELETE FROM policy_decisions')).rejects.toThrow(/append-only/);
  });

  it('rejects a malformed record before it reaches the database', async () => {
    await expect(new DecisionStore(db.pool).record({ repo: 'no-slash', prNumber: 1, headSha: sha, channel: 'comment', identity: 'a', decision: 'approve', sourceId: 'x' })).rejects.toThrow(/owner\/name/);
  });
});

describe('AuditStore (real PostgreSQL)', () => {
  it('appends and lists entries by repo and PR', async () => {
    const audit = new AuditStore(db.pool);
    await audit.append({ repo: 'acme/slos', prNumber: 1, headSha: sha, actor: 'alice', channel: 'comment', event: 'approve' });
    await audit.append({ repo: 'acme/slos', prNumber: 2, headSha: sha, actor: 'slo-scout', channel: 'system', event: 'verdict', verdict: 'failure', policyHash: 'abc', reasons: ['p: rejected'] });
    expect((await audit.list('acme/slos')).map((e) => e.prNumber)).toEqual([1, 2]);
    const [only] = await audit.list('acme/slos', 2);
    expect(only).toMatchObject({ verdict: 'failure', policyHash: 'abc', reasons: ['p: rejected'] });
  });

  it.each([
    ['UPDATE', "UPDATE policy_audit SET verdict = 'success'"],
    ['DELETE', 'DELETE FROM policy_audit'],
    ['TRUNCATE', 'TRUNCATE policy_audit'],
  ])('the database refuses %s on the audit log', async (_op, sql) => {
    await expect(db.pool.query(sql)).rejects.toThrow(/append-only/);
    expect((await new AuditStore(db.pool).list('acme/slos')).length).toBe(2);
  });
});

describe('NotificationStore (real PostgreSQL)', () => {
  it('remembers a notification once per PR+SHA and resolves it', async () => {
    const n = new NotificationStore(db.pool);
    const note = { repo: 'acme/slos', prNumber: 3, kind: 'pagerduty' as const, headSha: sha, ref: { dedup_key: 'k' } };
    expect(await n.remember(note)).toEqual({ inserted: true });
    expect(await n.remember(note)).toEqual({ inserted: false });
    expect(await n.find('acme/slos', 3, 'pagerduty', sha)).toMatchObject({ ref: { dedup_key: 'k' } });
    await n.markResolved('acme/slos', 3, 'pagerduty', sha);
    expect(await n.open('acme/slos', 3, 'pagerduty')).toEqual([]);
  });

  it('sees a PagerDuty event id only once (replay protection)', async () => {
    const n = new NotificationStore(db.pool);
    expect(await n.firstSighting('evt-1')).toBe(true);
    expect(await n.firstSighting('evt-1')).toBe(false);
  });
});
