import { z } from 'zod';

/**
 * A secret in `.slo-scout.yml` is a reference to an environment variable (`{ env: PROM_TOKEN }`),
 * so the file can be committed. An inline string is accepted for local experiments only.
 */
export const SecretRef = z.union([
  z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name, e.g. PROM_TOKEN') }).strict(),
  z.string().min(1),
], { error: 'a secret is `{ env: VAR_NAME }` (an environment variable name) or a non-empty string' }).describe('A secret: `{ env: VAR_NAME }` (recommended, keeps it out of git) or an inline string');
export type SecretRef = z.infer<typeof SecretRef>;

export class SecretError extends Error {}

/** Resolves a secret reference against the environment; names the variable when it is unset. */
export function resolveSecret(ref: SecretRef | undefined, env: Record<string, string | undefined>, where: string): string | undefined {
  if (ref === undefined) return undefined;
  if (typeof ref === 'string') return ref;
  const value = env[ref.env];
  if (value === undefined || value === '') {
    throw new SecretError(`${where} refers to environment variable ${ref.env}, which is not set: export ${ref.env}=... before running`);
  }
  return value;
}
