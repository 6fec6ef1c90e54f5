/**
 * `slo-scout capsules FILE.log [--json]`: the intake's Drain miner over a log file. Prints the
 * capsules (templates with counts, most frequent first) or, with --json,
 * `{ capsules: [{ id, template, count }], assignments: [capsuleId per input line] }`.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { InvalidArgumentError, type Command } from 'commander';
import Table from 'cli-table3';
import { tableStyle } from './colour.js';
import { compileFormat, Drain, type Cluster } from '../core/capsules/index.js';
import { CliError, EXIT_INVALID } from './errors.js';
import { examples } from './examples.js';

interface CapsulesFlags {
  json?: boolean;
  format?: string;
  similarity: number;
  depth: number;
  maxChildren: number;
  top: number;
}

const number = (min: number, max: number) => (text: string) => {
  const n = Number(text);
  if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`"${text}" must be a number between ${min} and ${max}`);
  return n;
};

export async function mineFile(file: string, flags: CapsulesFlags): Promise<{ capsules: Array<{ id: string; template: string; count: number }>; assignments: string[]; unmatched: number }> {
  const extract = flags.format ? compileFormat(flags.format) : undefined;
  const drain = new Drain({ similarity: flags.similarity, depth: flags.depth, maxChildren: flags.maxChildren });
  const joined: Cluster[] = [];
  let unmatched = 0;
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    let content = line;
    if (extract) {
      const c = extract(line);
      if (c === undefined) unmatched++;
      else content = c;
    }
    joined.push(drain.add(content));
  }
  const id = (c: Cluster) => `c${c.id}`;
  return {
    capsules: [...drain.clusters].sort((a, b) => b.size - a.size || a.id - b.id).map((c) => ({ id: id(c), template: c.template, count: c.size })),
    assignments: joined.map(id),
    unmatched,
  };
}

export function register(program: Command): void {
  program
    .command('capsules')
    .description('Group log lines into capsules (templates) with the Drain miner the OTLP intake uses')
    .addHelpText('after', examples('capsules'))
    .argument('<file>', 'log file, one event per line')
    .option('--json', 'print { capsules, assignments } as JSON')
    .option('--format <format>', 'Loghub-style line format; only <Content> is mined, e.g. "<Date> <Time> <Level> <Component>: <Content>"')
    .option('--similarity <share>', 'share of equal tokens to join a capsule', number(0, 1), 0.4)
    .option('--depth <n>', 'parse tree depth (prefix tokens + 2)', number(3, 10), 4)
    .option('--max-children <n>', 'children per tree node', number(2, 10_000), 100)
    .option('--top <n>', 'capsules shown in the table', number(1, 1e9), 30)
    .action(async (file: string, flags: CapsulesFlags) => {
      if (!existsSync(file)) throw new CliError(`${file}: no such file`, EXIT_INVALID);
      let result;
      try {
        result = await mineFile(file, flags);
      } catch (err) {
        throw new CliError(`${file}: ${(err as Error).message}`, EXIT_INVALID);
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ capsules: result.capsules, assignments: result.assignments })}\n`);
        return;
      }
      const table = new Table({ head: ['id', 'count', 'template'], colWidths: [8, 10, 100], wordWrap: true, style: tableStyle() });
      for (const c of result.capsules.slice(0, flags.top)) table.push([c.id, c.count, c.template]);
      process.stdout.write(`${table.toString()}\n${result.capsules.length} capsules from ${result.assignments.length} lines` +
        `${result.unmatched ? ` (${result.unmatched} lines did not match --format and were mined whole)` : ''}\n`);
    });
}
