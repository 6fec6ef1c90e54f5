import { readFile, stat } from 'node:fs/promises';
import { isMap, isPair, isScalar, LineCounter, parseAllDocuments, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';

/**
 * YAML + zod with positions: every problem becomes `file:line:col message`, the form editors,
 * CI logs and GitHub check-run annotations understand (repo-automation-bots' config checks).
 */

export interface ConfigError {
  file: string;
  line: number;
  col: number;
  /** Dotted path of the field, e.g. "datasources.prometheus.url"; "" for the document itself. */
  path: string;
  message: string;
}

export type ParseResult<T> = { ok: true; config: T } | { ok: false; errors: ConfigError[] };

/**
 * A config is small; a bigger file is a mistake or an attack (a 74 MB file took 44 s and 3 GB to
 * parse). Aliases are capped the same way, so `&a [*a, *a, ...]` bombs end in an error, not a hang.
 */
export const MAX_CONFIG_BYTES = 256 * 1024;
export const MAX_YAML_ALIASES = 100;

/** A problem found after the schema passed (e.g. a secret the operator does not allow), positioned on its node. */
export interface PostCheckProblem {
  path: PathKey[];
  message: string;
}
export type PostCheck = (data: unknown) => PostCheckProblem[];

function tooBig(bytes: number, fileName: string): ConfigError[] {
  if (bytes <= MAX_CONFIG_BYTES) return [];
  return [{ file: fileName, line: 1, col: 1, path: '', message: `the file is ${(bytes / 1024).toFixed(0)} KiB; SLO-Scout reads config files up to ${MAX_CONFIG_BYTES / 1024} KiB: remove unused sections or split the policies into their own file` }];
}

/** doc.toJS with the alias cap; an alias bomb becomes a positioned error instead of an exception. */
function toData(doc: Document, fileName: string, lineCounter: LineCounter): { data: unknown } | { errors: ConfigError[] } {
  try {
    return { data: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) };
  } catch (err) {
    const { line, col } = lineCounter.linePos(doc.contents?.range?.[0] ?? 0);
    const msg = (err as Error).message;
    const why = /alias/i.test(msg) ? `YAML aliases (*name) expand to too many nodes (limit ${MAX_YAML_ALIASES}): write the values out instead of nesting aliases` : `cannot read the YAML document (${msg.split('\n')[0]})`;
    return { errors: [{ file: fileName, line, col, path: '', message: why }] };
  }
}

export function formatConfigError(e: ConfigError): string {
  return `${e.file}:${e.line}:${e.col} ${e.message}`;
}

export type PathKey = string | number;

function pathText(path: readonly PathKey[]): string {
  return path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
}

/** The deepest node that exists along `path` (a missing field points at its parent object). */
function nodeAt(doc: Document, path: readonly PathKey[]): { node: Node | null; found: boolean } {
  let node: unknown = doc.contents;
  for (let i = 0; i < path.length; i++) {
    const next = (node as { get?: (k: unknown, keep: boolean) => unknown })?.get?.(path[i], true);
    if (next === undefined || next === null) return { node: (node as Node) ?? null, found: false };
    node = next;
  }
  return { node: (node as Node) ?? null, found: true };
}

/** The key node of `key` inside the map at `path` (for "unknown key" issues: point at the key itself). */
function keyNode(doc: Document, path: readonly PathKey[], key: string): Node | null {
  const { node } = nodeAt(doc, path);
  if (!isMap(node)) return null;
  for (const item of node.items) {
    if (isPair(item) && isScalar(item.key) && item.key.value === key) return item.key;
  }
  return null;
}

function describeReceived(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function messageFor(issue: z.core.$ZodIssue, data: unknown, found: boolean): string {
  const where = pathText(issue.path as PathKey[]) || '(document)';
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${where}: unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}: remove ${issue.keys.length > 1 ? 'them' : 'it'} or check the spelling (see schemas/slo-scout-config.schema.json)`;
    case 'invalid_type': {
      const value = valueAt(data, issue.path as PathKey[]);
      if (!found || value === undefined) return `${where}: required field is missing: add ${where.split('.').pop()} (expected ${issue.expected})`;
      return `${where}: expected ${issue.expected}, got ${describeReceived(value)}`;
    }
    case 'invalid_value':
      return `${where}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeReceived(valueAt(data, issue.path as PathKey[]))}`;
    case 'invalid_union':
      return `${where}: ${issue.message === 'Invalid input' ? 'does not match any accepted form' : issue.message}; got ${describeReceived(valueAt(data, issue.path as PathKey[]))}`;
    default:
      return `${where}: ${issue.message}; got ${describeReceived(valueAt(data, issue.path as PathKey[]))}`;
  }
}

function valueAt(data: unknown, path: readonly PathKey[]): unknown {
  let v: unknown = data;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PathKey, unknown>)[k];
  }
  return v;
}

/** zod issues of one parsed document, positioned on its YAML nodes. */
export function issuesToErrors(doc: Document, data: unknown, issues: readonly z.core.$ZodIssue[], fileName: string, lineCounter: LineCounter, pathPrefix: PathKey[] = []): ConfigError[] {
  const pos = (offset: number): { line: number; col: number } => lineCounter.linePos(offset);
  const errors: ConfigError[] = [];
  for (const issue of issues) {
    const path = issue.path as PathKey[];
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const node = keyNode(doc, path, key) ?? nodeAt(doc, path).node;
        const { line, col } = pos(node?.range?.[0] ?? 0);
        errors.push({ file: fileName, line, col, path: pathText([...pathPrefix, ...path, key]), message: messageFor({ ...issue, keys: [key] }, data, true) });
      }
      continue;
    }
    const { node, found } = nodeAt(doc, path);
    const { line, col } = pos(node?.range?.[0] ?? 0);
    errors.push({ file: fileName, line, col, path: pathText([...pathPrefix, ...path]), message: messageFor(issue, data, found) });
  }
  return errors;
}

function syntaxErrors(doc: Document, fileName: string, lineCounter: LineCounter): ConfigError[] {
  return doc.errors.map((e) => {
    const { line, col } = lineCounter.linePos(e.pos[0]);
    return { file: fileName, line, col, path: '', message: `YAML syntax error: ${e.message.split('\n')[0]} (fix the indentation or quoting at this position)` };
  });
}

/** line:col of the node at `path` in a parsed document (its deepest existing parent when absent). */
export function positionIn(doc: Document, lineCounter: LineCounter, path: readonly PathKey[]): { line: number; col: number } {
  return lineCounter.linePos(nodeAt(doc, path).node?.range?.[0] ?? 0);
}

export const byPosition = (a: ConfigError, b: ConfigError): number => a.line - b.line || a.col - b.col;

/** Parses YAML text against a zod schema; never throws for bad input. */
export function parseYamlWith<S extends z.ZodType>(schema: S, text: string, fileName: string, postCheck?: PostCheck): ParseResult<z.infer<S>> {
  const big = tooBig(Buffer.byteLength(text, 'utf8'), fileName);
  if (big.length) return { ok: false, errors: big };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) return { ok: false, errors: syntaxErrors(doc, fileName, lineCounter) };
  const js = toData(doc, fileName, lineCounter);
  if ('errors' in js) return { ok: false, errors: js.errors };
  const data: unknown = js.data ?? {};
  const result = schema.safeParse(data);
  if (!result.success) return { ok: false, errors: issuesToErrors(doc, data, result.error.issues, fileName, lineCounter).sort(byPosition) };
  const problems = postCheck?.(data) ?? [];
  if (!problems.length) return { ok: true, config: result.data };
  return {
    ok: false,
    errors: problems.map((p) => ({ file: fileName, ...lineCounter.linePos(nodeAt(doc, p.path).node?.range?.[0] ?? 0), path: pathText(p.path), message: p.message })).sort(byPosition),
  };
}

/** A multi-document YAML stream (`---` separated), each document checked against the schema. */
export interface StreamDoc<T> {
  value: T;
  line: number;
  /** line:col of the node at `path` in this document (its parent when absent). */
  positionOf(path: PathKey[]): { line: number; col: number };
}

export function parseYamlStreamWith<S extends z.ZodType>(schema: S, text: string, fileName: string): { docs: Array<StreamDoc<z.infer<S>>>; errors: ConfigError[] } {
  const out: Array<StreamDoc<z.infer<S>>> = [];
  const big = tooBig(Buffer.byteLength(text, 'utf8'), fileName);
  if (big.length) return { docs: out, errors: big };
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const errors: ConfigError[] = [];
  if (!Array.isArray(docs)) return { docs: out, errors };
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      errors.push(...syntaxErrors(doc, fileName, lineCounter));
      continue;
    }
    const js = toData(doc, fileName, lineCounter);
    if ('errors' in js) {
      errors.push(...js.errors);
      continue;
    }
    const data: unknown = js.data;
    if (data === null || data === undefined) continue; // an empty document between separators
    const result = schema.safeParse(data);
    if (result.success) {
      out.push({
        value: result.data,
        line: lineCounter.linePos(doc.contents?.range?.[0] ?? 0).line,
        positionOf: (path) => lineCounter.linePos(nodeAt(doc, path).node?.range?.[0] ?? 0),
      });
    }
    else errors.push(...issuesToErrors(doc, data, result.error.issues, fileName, lineCounter));
  }
  return { docs: out, errors: errors.sort(byPosition) };
}

export async function readYamlWith<S extends z.ZodType>(schema: S, path: string, postCheck?: PostCheck): Promise<ParseResult<z.infer<S>>> {
  let text: string;
  try {
    // Refuse before reading a huge file into memory.
    const { size } = await stat(path);
    if (size > MAX_CONFIG_BYTES) return { ok: false, errors: tooBig(size, path) };
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, errors: [{ file: path, line: 1, col: 1, path: '', message: `cannot read the file (${code ?? String(err)}): check the path` }] };
  }
  return parseYamlWith(schema, text, path, postCheck);
}
