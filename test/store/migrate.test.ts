import { describe, it, expect, afterEach } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { migrate, loadMigrations } from '../../app/store/migrate.js';

let db: TestDatabase | undefined;
afterEach(async () => { await db?.drop(); db = undefined; });

async function dirWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mig-'));
  for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
  return dir;
}

describe('migrations', () => {
  it('applies pending files once, in order, and records them in the ledger', async () => {
    db = await createTestDatabase({ migrate: false });
    const dir = await dirWith({ '001_a.sql': 'CREATE TABLE a (x int);', '002_b.sql': 'INSERT INTO a VALUES (1);' });
    expect(await migrate(db.pool, { dir })).toEqual(['001_a.sql', '002_b.sql']);
    expect(await migrate(db.pool, { dir })).toEqual([]);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM a');
    expect(rows[0].n).toBe(1);
  });

  it('concurrent runners migrate exactly once under the advisory lock', async () => {
    db = await createTestDatabase({ migrate: false });
    const dir = await dirWith({ '001_a.sql': 'CREATE TABLE a (x int); INSERT INTO a VALUES (1);' });
    const results = await Promise.all([migrate(db.pool, { dir }), migrate(db.pool, { dir }), migrate(db.pool, { dir })]);
    expect(results.flat()).toEqual(['001_a.sql']);
  });

  it('refuses an edited migration that was already applied, and says how to fix it', async () => {
    db = await createTestDatabase({ migrate: false });
    const dir = await dirWith({ '001_a.sql': 'CREATE TABLE a (x int);' });
    await migrate(db.pool, { dir });
    await writeFile(join(dir, '001_a.sql'), 'CREATE TABLE a (x bigint);');
    await expect(migrate(db.pool, { dir })).rejects.toThrow(/append-only.*add a new numbered file/);
  });

  it('rolls back the whole batch when one file fails, naming the file', async () => {
    db = await createTestDatabase({ migrate: false });
    const dir = await dirWith({ '001_a.sql': 'CREATE TABLE a (x int);', '002_bad.sql': 'CREATE TABLE oops (' });
    await expect(migrate(db.pool, { dir })).rejects.toThrow(/002_bad\.sql failed/);
    const { rows } = await db.pool.query(`SELECT to_regclass('a') AS t`);
    expect(rows[0].t).toBeNull();
  });

  it('rejects badly named or duplicate-numbered files', async () => {
    await expect(loadMigrations(await dirWith({ 'init.sql': '' }))).rejects.toThrow(/001_what_it_does/);
    await expect(loadMigrations(await dirWith({ '001_a.sql': '', '001_b.sql': '' }))).rejects.toThrow(/share number 1/);
  });

  it('the shipped migrations apply on plain PostgreSQL', async () => {
    db = await createTestDatabase();
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM slo_scout_migrations');
    expect(rows[0].n).toBeGreaterThan(0);
  });
});
