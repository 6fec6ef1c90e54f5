import type { RepoRef } from './platform.js';

/** Where a file committed to a PR branch can be shown from (an image in the PR body). */
export interface FileLinkTarget {
  platform: 'github' | 'gitlab';
  /** Web root, e.g. https://github.com, https://github.example.com, https://gitlab.example.com */
  webUrl: string;
  repo: RepoRef;
  branch: string;
}

const segments = (text: string) => text.split('/').map(encodeURIComponent).join('/');

/**
 * A URL that renders the file's raw bytes for a signed-in reviewer, also in private repositories:
 * GitHub's blob URL with `?raw=true` (it redirects to an authenticated raw URL; camo does not proxy
 * github.com links) and GitLab's `/-/raw/` route.
 */
export function committedFileUrl(t: FileLinkTarget, path: string): string {
  const base = `${t.webUrl.replace(/\/+$/, '')}/${segments(t.repo.owner)}/${segments(t.repo.repo)}`;
  return t.platform === 'github'
    ? `${base}/blob/${segments(t.branch)}/${segments(path)}?raw=true`
    : `${base}/-/raw/${segments(t.branch)}/${segments(path)}`;
}

/** Web root of the platform from the environment the app runs with. */
export function webUrlFor(platform: 'github' | 'gitlab', env: Record<string, string | undefined>): string {
  if (platform === 'gitlab') return (env.GITLAB_URL ?? 'https://gitlab.com').replace(/\/+$/, '');
  return env.GHE_HOST ? `${env.GHE_PROTOCOL ?? 'https'}://${env.GHE_HOST}` : 'https://github.com';
}
