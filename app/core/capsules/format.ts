/**
 * Loghub-style log formats ("<Date> <Time> <Level> <Component>: <Content>"): header fields are
 * stripped so only <Content> is mined. Timestamps and pids are not part of an event's template and,
 * left in, they make every line look alike. Literal parts are regular expressions, as in Loghub
 * (escape brackets: "\[<Time>\] <Content>"); runs of spaces match any whitespace.
 */
export type ContentExtractor = (line: string) => string | undefined;

export function compileFormat(format: string): ContentExtractor {
  const parts = format.split(/(<[^<>]+>)/);
  if (!parts.includes('<Content>')) {
    throw new Error(`log format "${format}" has no <Content> field: add <Content> where the message starts`);
  }
  const source = parts.map((p) => {
    if (p === '<Content>') return '(?<content>.*?)';
    if (/^<[^<>]+>$/.test(p)) return '.*?';
    return p.replace(/ +/g, '\\s+');
  }).join('');
  let re: RegExp;
  try {
    re = new RegExp(`^${source}$`);
  } catch (err) {
    throw new Error(`log format "${format}" is not a valid pattern (${(err as Error).message}): escape [ ] ( ) with a backslash`);
  }
  return (line) => re.exec(line)?.groups?.content;
}
