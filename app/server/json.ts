/**
 * JSON parsing for bodies that arrive over HTTP. `JSON.parse` itself copes with deep nesting, but
 * everything after it (zod's recursive schemas, JSON.stringify for the inbox, pino) recurses and
 * overflows the stack on a body nested a few thousand levels deep. Real senders stay far below the
 * limit: GitHub and GitLab payloads nest < 15 levels, OTLP JSON about 10 plus 3 per nested AnyValue.
 */
export const MAX_JSON_DEPTH = 64;

export class JsonBodyError extends Error {}

/** The deepest nesting of `{`/`[` in `text`, stopping early once it passes `limit` (strings are skipped). */
export function jsonDepthExceeds(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** JSON.parse with a nesting limit; throws JsonBodyError with a message fit for a 400 answer. */
export function parseJsonBody(text: string, maxDepth = MAX_JSON_DEPTH): unknown {
  if (jsonDepthExceeds(text, maxDepth)) throw new JsonBodyError(`JSON nested deeper than ${maxDepth} levels; no real payload does that`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new JsonBodyError(`body is not valid JSON: ${(err as Error).message}`);
  }
}
