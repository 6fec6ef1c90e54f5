/** GitLab REST mocks shaped like docs.gitlab.com/api (merge requests, notes, commits, members). */
import { Gitlab } from '@gitbeaker/rest';
import { GitLabPlatform, type GitlabApi } from '../../app/vcs/gitlab.js';
import { nock } from './http-mock.js';

export const GITLAB = 'https://gitlab.example.com';
export const GITLAB_BOT = { botLogin: 'slo-scout-bot', botEmail: 'slo-scout-bot@example.com' };
/** `acme/slos` URL-encoded, as gitbeaker sends project paths. */
export const PROJECT = '/api/v4/projects/acme%2Fslos';

export function testGitlabApi(): GitlabApi {
  return new Gitlab({ host: GITLAB, token: 'glpat-test' });
}

export function testGitlabPlatform(): GitLabPlatform {
  return new GitLabPlatform(testGitlabApi(), GITLAB_BOT);
}

/** A merge request as GET /projects/:id/merge_requests/:iid returns it (the fields we read). */
export function mergeRequest(iid: number, extra: Record<string, unknown> = {}) {
  return {
    id: 1000 + iid, iid, project_id: 5, state: 'opened', title: 'SLOs for checkout', description: '', source_branch: 'slo-scout/checkout',
    target_branch: 'main', sha: 'head1', web_url: `${GITLAB}/acme/slos/-/merge_requests/${iid}`, source_project_id: 5, target_project_id: 5, ...extra,
  };
}

export function note(id: number, body: string, username: string, extra: Record<string, unknown> = {}) {
  return { id, type: null, body, author: { id: username === GITLAB_BOT.botLogin ? 99 : 1, username, name: username }, system: false, noteable_id: 1001, noteable_type: 'MergeRequest', noteable_iid: 1, ...extra };
}

export function gitlabScope(): nock.Scope {
  return nock(GITLAB).matchHeader('private-token', 'glpat-test');
}
