import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

/** One pool per process; `DATABASE_URL` is validated by the env schema before we get here. */
export function createPool(databaseUrl: string, max = 10): pg.Pool {
  return new pg.Pool({ connectionString: databaseUrl, max, application_name: 'slo-scout' });
}
