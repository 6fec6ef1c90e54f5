import { readdir, readFile } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import type { Pool } from './db.js';
import { silentLogger, type Logger } from '../logger.js';

/** migrations/ at the package root (works from app/ under tsx and from dist/app/ when built). */
export function defaultMigrationsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return here.includes(`${join('dist', 'app')}`) ? join(here, '..', '..', '..', 'migrations') : join(here, '..', '..', 'migrations');
}

// Any constant works; it only has to be the same in every process that migrates this database.
const ADVISORY_LOCK_KEY = 727_130_501;
const FILE_RE = /^(\d{3,})_[a-z0-9_-]+\.sql$/;

export interface MigrationFile {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {}

export async function loadMigrations(dir = defaultMigrationsDir()): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort();
  const files: MigrationFile[] = [];
  for (const name of names) {
    const m = FILE_RE.exec(name);
    if (!m) throw new MigrationError(`migrations/${name}: name must look like 001_what_it_does.sql (number, underscore, lowercase words)`);
    const sql = await readFile(join(dir, name), 'utf8');
    files.push({ version: Number(m[1]), name, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  const seen = new Map<number, string>();
  for (const f of files) {
    const other = seen.get(f.version);
    if (other) throw new MigrationError(`migrations/${f.name} and migrations/${other} share number ${f.version}; give the newer one the next free number`);
    seen.set(f.version, f.name);
  }
  return files;
}

/**
 * Applies pending migrations in one transaction under an advisory lock, so several app and
 * worker processes starting together migrate once. Applied files are append-only: a changed
 * checksum is refused (write a new migration instead).
 */
export async function migrate(pool: Pool, options: { dir?: string; logger?: Logger } = {}): Promise<string[]> {
  const logger = options.logger ?? silentLogger;
  const files = await loadMigrations(options.dir);
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [ADVISORY_LOCK_KEY]);
    await client.query(`CREATE TABLE IF NOT EXISTS slo_scout_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM slo_scout_migrations');
    const applied = new Map(rows.map((r) => [r.version, r]));
    const done: string[] = [];
    for (const f of files) {
      const prev = applied.get(f.version);
      if (prev) {
        if (prev.checksum !== f.checksum) {
          throw new MigrationError(`migrations/${f.name} changed after it was applied (as ${prev.name}); migrations are append-only: revert the edit and add a new numbered file`);
        }
        continue;
      }
      try {
        await client.query(f.sql);
      } catch (err) {
        throw new MigrationError(`migrations/${f.name} failed: ${(err as Error).message}`);
      }
      await client.query('INSERT INTO slo_scout_migrations (version, name, checksum) VALUES ($1, $2, $3)', [f.version, f.name, f.checksum]);
      done.push(f.name);
    }
    await client.query('COMMIT');
    if (done.length) logger.info({ applied: done }, 'migrations applied');
    return done;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
