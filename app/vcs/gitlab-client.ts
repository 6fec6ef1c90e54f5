/**
 * Builds the GitLab platform for the workers from GITLAB_URL / GITLAB_TOKEN. The token's user is
 * the bot: its username marks our notes, and one fixed author e-mail marks our commits.
 */
import { Gitlab } from '@gitbeaker/rest';
import { UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { GitLabPlatform, type GitlabApi, type GitLabIdentity } from './gitlab.js';

const CurrentUser = z.object({ id: z.number(), username: z.string(), commit_email: z.string().nullish(), email: z.string().nullish() });

export function createGitlabApi(input: { url: string; token: string }): GitlabApi {
  return new Gitlab({ host: input.url.replace(/\/+$/, ''), token: input.token });
}

/** Who the token is; the e-mail falls back to GitLab's no-reply form when the token cannot read it. */
export async function gitlabIdentity(api: GitlabApi, url: string): Promise<GitLabIdentity> {
  let me: z.infer<typeof CurrentUser>;
  try {
    me = CurrentUser.parse(await api.Users.showCurrentUser());
  } catch (err) {
    throw new UnrecoverableError(`GitLab rejected GITLAB_TOKEN at ${url}/api/v4/user (${(err as Error).message}); create a token with the \`api\` scope for the bot user and set GITLAB_TOKEN`);
  }
  return { botLogin: me.username, botEmail: me.commit_email || me.email || `${me.id}-${me.username}@users.noreply.${new URL(url).host}` };
}

/** One platform per process: the identity is read once, on the first GitLab job. */
export function gitlabPlatformFactory(input: { url: string; token: string }, api: GitlabApi = createGitlabApi(input)): () => Promise<GitLabPlatform> {
  let platform: Promise<GitLabPlatform> | null = null;
  return async () => {
    platform ??= gitlabIdentity(api, input.url).then((id) => new GitLabPlatform(api, id));
    try {
      return await platform;
    } catch (err) {
      platform = null; // try again on the next job (token fixed, GitLab back)
      throw err;
    }
  };
}
