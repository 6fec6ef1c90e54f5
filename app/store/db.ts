import pg from 'pg';
import { silentLogger, type Logger } from '../logger.js';
import { redactUrl } from '../redact.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

export interface PoolOptions {
  max?: number;
  logger?: Logger;
  /** Waiting for a connection (new or from the pool) longer than this fails the query (default 3 s). */
  connectionTimeoutMs?: number;
  /** Server-side statement_timeout (default 30 s, 0 = none): a runaway query cannot hold a connection. */
  statementTimeoutMs?: number;
}

/**
 * One pool per process; `DATABASE_URL` is validated by the env schema before we get here.
 *
 * Resilience (docs/resilience.md): PostgreSQL restarts kill idle connections, which pg reports as
 * an 'error' event on the pool; without a listener Node ends the process. The pool drops a dead
 * client and opens a new one on the next query, so logging is all the handler has to do. A frozen
 * server never answers, so the client-side query_timeout (statement timeout + 2 s) and the
 * connection timeout make every query fail in bounded time instead of hanging.
 */
export function createPool(databaseUrl: string, maxOrOptions: number | PoolOptions = 10): pg.Pool {
  const o: PoolOptions = typeof maxOrOptions === 'number' ? { max: maxOrOptions } : maxOrOptions;
  const log = (o.logger ?? silentLogger).child({ component: 'pg' });
  const statementTimeout = o.statementTimeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: o.max ?? 10,
    application_name: 'slo-scout',
    connectionTimeoutMillis: o.connectionTimeoutMs ?? 3_000,
    // 0 turns the timeouts off (long one-off jobs); pg treats an unset query_timeout as "wait forever".
    ...(statementTimeout > 0 ? { statement_timeout: statementTimeout, query_timeout: statementTimeout + 2_000, idle_in_transaction_session_timeout: statementTimeout * 2 } : {}),
    keepAlive: true,
  });
  pool.on('error', (err) => log.warn({ err: describePgError(err) }, 'idle PostgreSQL connection lost (server restart?); the pool reconnects on the next query'));
  // A checked-out client between two queries has no listener of pg-pool's: give every client one.
  pool.on('connect', (client) => client.on('error', (err) => log.warn({ err: describePgError(err) }, 'PostgreSQL connection error')));
  // Mark errors that come out of this pool: a bare ECONNREFUSED is only "the store is away" when
  // PostgreSQL raised it, not when a GitHub or Slack call did.
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((...args: unknown[]) => {
    const out = query(...args);
    return out instanceof Promise ? out.catch((err: unknown) => { throw markStoreError(err); }) : out;
  }) as typeof pool.query;
  const connect = pool.connect.bind(pool) as (...args: unknown[]) => unknown;
  pool.connect = ((...args: unknown[]) => {
    const out = connect(...args);
    return out instanceof Promise ? out.catch((err: unknown) => { throw markStoreError(err); }) : out;
  }) as typeof pool.connect;
  return pool;
}

const FROM_STORE = Symbol.for('slo-scout.store-error');

function markStoreError(err: unknown): unknown {
  if (err && typeof err === 'object') (err as Record<symbol, boolean>)[FROM_STORE] = true;
  return err;
}

/** Error text without credentials (pg echoes connection strings in some parse errors). */
export function describePgError(err: unknown): string {
  const e = err as { message?: string; code?: string };
  return redactUrl(`${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`);
}

// SQLSTATE classes and codes that mean "the database is not reachable right now", not "the query is wrong".
const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '25P03']);
// Socket errors: counted only when they came out of our pool (markStoreError).
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
const UNAVAILABLE_MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|not queryable|Connection ended|terminating connection|the database system is (starting up|shutting down|in recovery)/i;

/**
 * True when `err` (or any error inside an AggregateError / `cause`) says PostgreSQL is away,
 * frozen or restarting: HTTP routes answer 503 with Retry-After so the sender tries again.
 */
export function isStoreUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 4) return false;
  if (err instanceof StoreUnavailableError) return true;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_CODES.has(e.code) || /^08[0-9A-Z]{3}$/.test(e.code))) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code) && (err as Record<symbol, unknown>)[FROM_STORE]) return true;
  if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
  if (Array.isArray(e.errors) && e.errors.some((x) => isStoreUnavailable(x, depth + 1))) return true;
  return isStoreUnavailable(e.cause, depth + 1);
}

/** Thrown when a request gives up waiting for the store (see withDeadline in app/server/server.ts). */
export class StoreUnavailableError extends Error {}
