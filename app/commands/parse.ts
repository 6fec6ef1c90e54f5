/**
 * Slash-command grammar. A command is a comment line starting with `/slo-scout`, parsed
 * shell-style (shell-quote) so `explain "checkout latency"` keeps its quoted words. Quoted
 * reply lines (`> ...`) and fenced code blocks are skipped: quoting a command must not run it.
 */
import { parse as shellParse } from 'shell-quote';

export const COMMAND_PREFIX = '/slo-scout';

export interface ParsedCommand {
  /** Lower-cased command name; '' when the line was just `/slo-scout`. */
  name: string;
  args: string[];
  options: Record<string, string>;
  raw: string;
}

export type ParseOutcome =
  | { kind: 'none' }
  | { kind: 'command'; command: ParsedCommand }
  | { kind: 'invalid'; raw: string; message: string };

/** The first `/slo-scout` line of a comment body, parsed. One command per comment (atlantis does the same). */
export function parseComment(body: string, prefix = COMMAND_PREFIX): ParseOutcome {
  let inFence = false;
  for (const rawLine of body.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line.startsWith('```') || line.startsWith('~~~')) {
      inFence = !inFence;
      continue;
    }
    if (inFence || line.startsWith('>')) continue;
    if (line !== prefix && !line.startsWith(`${prefix} `) && !line.startsWith(`${prefix}\t`)) continue;
    return parseLine(line, prefix);
  }
  return { kind: 'none' };
}

function parseLine(line: string, prefix: string): ParseOutcome {
  let tokens: ReturnType<typeof shellParse>;
  try {
    // No env expansion: `$HOME` in a comment stays literal text.
    tokens = shellParse(line.slice(prefix.length), (key) => `$${key}`);
  } catch (err) {
    return { kind: 'invalid', raw: line, message: `cannot parse the command: ${(err as Error).message}` };
  }
  const words: string[] = [];
  for (const t of tokens) {
    if (typeof t === 'string') {
      words.push(t);
      continue;
    }
    if ('comment' in t) break;
    const op = 'op' in t ? t.op : JSON.stringify(t);
    return { kind: 'invalid', raw: line, message: `unexpected "${op}": commands take plain words and key=value pairs; quote text that contains ${op}` };
  }
  const [name = '', ...rest] = words;
  const args: string[] = [];
  const options: Record<string, string> = {};
  for (const w of rest) {
    const eq = w.indexOf('=');
    if (eq > 0 && /^[a-z][a-z0-9_-]*$/i.test(w.slice(0, eq))) options[w.slice(0, eq).toLowerCase()] = w.slice(eq + 1);
    else args.push(w);
  }
  return { kind: 'command', command: { name: name.toLowerCase(), args, options, raw: line } };
}
