import type { Command } from 'commander';
import { EnvError, parseEnv } from '../config/env.js';
import { createPool } from '../store/db.js';
import { migrate, MigrationError } from '../store/migrate.js';
import { createLogger } from '../logger.js';
import { CliError, EXIT_INVALID } from './errors.js';
import { examples } from './examples.js';

export function register(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending database migrations (DATABASE_URL); serve and worker also do this on start')
    .addHelpText('after', examples('migrate'))
    .action(async () => {
      let env;
      try {
        env = parseEnv(process.env, ['database']);
      } catch (err) {
        if (err instanceof EnvError) throw new CliError(err.message, EXIT_INVALID);
        throw err;
      }
      // No statement timeout: a migration on a large table may legitimately run for minutes.
      const pool = createPool(env.DATABASE_URL!, { max: 1, statementTimeoutMs: 0 });
      try {
        const applied = await migrate(pool, { logger: createLogger({ level: env.LOG_LEVEL }) });
        process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } catch (err) {
        if (err instanceof MigrationError) throw new CliError(err.message);
        throw new CliError(`cannot migrate ${new URL(env.DATABASE_URL!).host}: ${(err as Error).message}`);
      } finally {
        await pool.end();
      }
    });
}
