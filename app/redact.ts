/**
 * Credentials inside connection URLs (`postgres://user:secret@host/db`, `redis://:secret@host`)
 * must never reach an error message or a log line, even when the URL itself is malformed.
 */
const USERINFO = /(\b[a-z][a-z0-9+.-]*:\/\/)([^/?#@\s]*)@/gi;

/** `postgres://app:s3cret@db/x` -> `postgres://app:***@db/x`; works on unparsable URLs and on text containing URLs. */
export function redactUrl(text: string): string {
  return text.replace(USERINFO, (_m, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return colon < 0 ? `${scheme}${userinfo ? '***' : ''}@` : `${scheme}${userinfo.slice(0, colon)}:***@`;
  });
}
