/**
 * A private PostgreSQL (initdb + pg_ctl in a temp dir, free port) for tests that stop, restart or
 * freeze the server. Never the shared one on 5432. initdb refuses to run as root, so as root the
 * cluster belongs to the `postgres` user (runuser); otherwise to the current user.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './own-redis.js';

const run = promisify(execFile);

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions[0]) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql)');
  return join(root, versions[0], 'bin');
}

export interface OwnPostgres {
  /** Superuser URL of the `postgres` database (trust auth). */
  url: string;
  port: number;
  start(): Promise<void>;
  /** Fast shutdown: open connections are terminated (57P01), like a restart by an operator. */
  stop(): Promise<void>;
  /** SIGSTOP on the server and its backends: connections stay open and nothing answers. */
  freeze(): void;
  thaw(): void;
  cleanup(): Promise<void>;
}

export async function ownPostgres(): Promise<OwnPostgres> {
  const bin = binDir();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'slo-scout-pg-'));
  const data = join(dir, 'data');
  const asRoot = userInfo().uid === 0;
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const pg = (tool: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]) : run(join(bin, tool), args));
  await pg('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  const frozen: number[] = [];
  const pids = (): number[] => {
    const main = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return Number(readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1]) === main;
      } catch {
        return false;
      }
    }).map(Number);
    return [main, ...children];
  };
  const self: OwnPostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async start() {
      await pg('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`, 'start']);
    },
    async stop() {
      if (existsSync(join(data, 'postmaster.pid'))) await pg('pg_ctl', ['-D', data, '-w', '-t', '60', '-m', 'fast', 'stop']);
    },
    freeze() {
      for (const pid of pids()) {
        process.kill(pid, 'SIGSTOP');
        frozen.push(pid);
      }
    },
    thaw() {
      for (const pid of frozen.splice(0)) {
        try {
          process.kill(pid, 'SIGCONT');
        } catch { /* exited meanwhile */ }
      }
    },
    async cleanup() {
      self.thaw();
      await self.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return self;
}
