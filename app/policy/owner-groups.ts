/**
 * Which CODEOWNERS owners are GitLab groups, and who their members are, for one evaluation.
 * GitLab users and groups share one namespace, so a bare `@name` may be either: its group
 * members are asked for, and a 404 means a user. `@group/sub` is always a group, and a 404 or
 * 403 there is explained in the check text (app/policy/sections.ts). Each owner is read once per
 * evaluation (the map below lives as long as this call).
 */
import type { OwnerGroups } from './sections.js';
import type { GroupMembers, PolicyVcs } from './vcs.js';

/**
 * CODEOWNERS is the repository's to write: a file naming thousands of owners must not turn into
 * thousands of API calls. Owners past this many are not looked up: a bare name then counts as a
 * username, a group as unresolved (it approves nothing, and the check text says why).
 */
export const MAX_OWNER_LOOKUPS = 50;

export async function resolveOwnerGroups(
  vcs: Pick<PolicyVcs, 'isTeamMember'> & Required<Pick<PolicyVcs, 'groupMembers'>>,
  owners: string[],
  logins: string[],
): Promise<OwnerGroups> {
  const names = [...new Set(owners.map((o) => o.toLowerCase()))].sort();
  const looked = new Map<string, Promise<GroupMembers>>();
  for (const name of names.slice(0, MAX_OWNER_LOOKUPS)) looked.set(name, vcs.groupMembers(name));
  const groups: Record<string, GroupMembers> = {};
  for (const [name, lookup] of looked) {
    const found = await lookup;
    // A bare name that is no group GitLab shows is a username (GitLab's own reading).
    if (!name.includes('/') && found.kind === 'missing') continue;
    groups[name] = found;
  }
  for (const name of names.slice(MAX_OWNER_LOOKUPS).filter((n) => n.includes('/'))) {
    groups[name] = { kind: 'missing', group: name, status: 0, message: `CODEOWNERS names more than ${MAX_OWNER_LOOKUPS} owners for the changed files and the guard looks up at most ${MAX_OWNER_LOOKUPS}; name fewer owners (a group instead of its people)` };
  }
  const memberOf: Record<string, string[]> = {};
  for (const login of [...new Set(logins.map((l) => l.toLowerCase()))]) {
    const of: string[] = [];
    for (const [name, g] of Object.entries(groups)) {
      if (g.kind !== 'members') continue;
      if (g.usernames.includes(login)) of.push(name);
      // Past the listing cap, the rest of the group is asked one approver at a time.
      else if (g.truncated && await vcs.isTeamMember(name.slice(0, Math.max(0, name.indexOf('/'))), name.slice(name.indexOf('/') + 1), login)) of.push(name);
    }
    memberOf[login] = of;
  }
  return { groups, memberOf };
}
