import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { HANDLED_EVENTS } from '../../app/server/probot.js';

const root = join(import.meta.dirname, '..', '..');
const manifest = parse(readFileSync(join(root, 'app.yml'), 'utf8')) as { default_permissions: Record<string, string>; default_events: string[] };
const docs = readFileSync(join(root, 'docs', 'github-app.md'), 'utf8');

/** Sent to every GitHub App whatever it subscribes to; a manifest cannot list them. */
const ALWAYS_DELIVERED = new Set(['installation', 'installation_repositories']);

describe('app.yml manifest', () => {
  it('subscribes to every event the app handles, and to nothing it drops', () => {
    const handled = [...HANDLED_EVENTS].filter((e) => !ALWAYS_DELIVERED.has(e)).sort();
    expect([...manifest.default_events].sort()).toEqual(handled);
  });

  it('asks for no issues permission (PR comments, labels and reactions work with pull_requests: write)', () => {
    expect(manifest.default_permissions.issues).toBeUndefined();
    expect(manifest.default_permissions.pull_requests).toBe('write');
  });

  it('every permission is justified in docs/github-app.md', () => {
    const names: Record<string, string> = { contents: 'Contents', pull_requests: 'Pull requests', checks: 'Checks', metadata: 'Metadata', members: 'Members (organization)' };
    for (const [permission, level] of Object.entries(manifest.default_permissions)) {
      expect(names[permission], `add ${permission} to this test and the docs table`).toBeDefined();
      expect(docs).toMatch(new RegExp(`\\| ${names[permission]!.replace(/[()]/g, '\\$&')} \\| ${level} \\|`));
    }
  });
});
