/**
 * Echoing a commenter's words back safely. Everything after `/slo-scout` is the commenter's: it
 * may be 200 KB long, contain backticks that break out of a code span, or `@org/team` that GitHub
 * and GitLab would turn into a notification to people who never asked for it. Every reply path
 * quotes arguments with `quoteArg` and passes the final text through `neutraliseMentions`.
 */

/** Longest argument echoed in a reply, in characters; the rest is cut and marked with …. */
export const MAX_ECHO_CHARS = 100;

export function truncateArg(text: string, max = MAX_ECHO_CHARS): string {
  const chars = [...text.replace(/[\r\n]+/g, ' ')];
  return chars.length > max ? `${chars.slice(0, max).join('')}…` : chars.join('');
}

/**
 * A Markdown code span that holds `text` verbatim (CommonMark: the fence is one backtick longer
 * than the longest run inside, padded with a space when the text starts or ends with a backtick).
 * Mentions inside a code span never notify.
 */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') || text === '' ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A user-supplied argument as it appears in a reply: truncated, then in a code span. */
export function quoteArg(text: string | undefined, max = MAX_ECHO_CHARS): string {
  return codeSpan(truncateArg(text ?? '', max));
}

const ZWJ = '\u200D';

/**
 * `@name` and `@org/team` become `@\u200Dname`: they read the same but GitHub and GitLab do not
 * link or notify them. `keep` lists logins that are meant to be mentioned (the commenter).
 */
export function neutraliseMentions(text: string, keep: string[] = []): string {
  const allowed = new Set(keep.map((k) => k.toLowerCase()));
  return text.replace(/(^|[^A-Za-z0-9_`@])@([A-Za-z0-9](?:[A-Za-z0-9_.-]*)(?:\/[A-Za-z0-9_.-]+)*)/g, (whole, before: string, name: string) => (
    allowed.has(name.toLowerCase()) ? whole : `${before}@${ZWJ}${name}`
  ));
}
