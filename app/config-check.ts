/**
 * The "SLO-Scout config" check run: a PR that changes `.slo-scout.yml` gets a failing check with
 * one annotation per problem at file:line:col, and the fix in the message (repo-automation-bots'
 * bot-config-utils habit).
 */
import { CONFIG_FILE_NAMES, formatConfigError, parseConfig, type SloScoutConfig } from './config/schema.js';
import type { Platform, RepoRef } from './vcs/platform.js';
import type { ConfigTrust } from './config/trust.js';

export const CONFIG_CHECK_NAME = 'SLO-Scout config';

export type ConfigRead = { found: false } | { found: true; path: string; ok: true; config: SloScoutConfig } | { found: true; path: string; ok: false; errors: ReturnType<typeof parseConfig> & { ok: false } };

/** Reads the first config file name that exists at `ref` and parses it. */
export async function readRepoConfig(platform: Platform, repo: RepoRef, ref?: string, trust: ConfigTrust = {}): Promise<ConfigRead> {
  for (const path of CONFIG_FILE_NAMES) {
    const text = await platform.readFile(repo, path, ref);
    if (text === null) continue;
    // A repository's config is untrusted: env references and URLs are checked against the operator's policy.
    const parsed = parseConfig(text, path, trust);
    return parsed.ok ? { found: true, path, ok: true, config: parsed.config } : { found: true, path, ok: false, errors: parsed };
  }
  return { found: false };
}

export async function runConfigCheck(platform: Platform, repo: RepoRef, headSha: string, trust: ConfigTrust = {}): Promise<'success' | 'failure' | 'no-config'> {
  const read = await readRepoConfig(platform, repo, headSha, trust);
  if (!read.found) return 'no-config';
  if (read.ok) {
    await platform.createCheck(repo, { name: CONFIG_CHECK_NAME, headSha, conclusion: 'success', title: `${read.path} is valid`, summary: `\`${read.path}\` parses and matches the schema.` });
    return 'success';
  }
  const errors = read.errors.errors;
  await platform.createCheck(repo, {
    name: CONFIG_CHECK_NAME, headSha, conclusion: 'failure',
    title: `${errors.length} problem${errors.length > 1 ? 's' : ''} in ${read.path}`,
    summary: ['Fix these and push again:', '', ...errors.map((e) => `- \`${formatConfigError(e)}\``)].join('\n'),
    annotations: errors.map((e) => ({ path: e.file, line: e.line, col: e.col, message: e.message })),
  });
  return 'failure';
}
