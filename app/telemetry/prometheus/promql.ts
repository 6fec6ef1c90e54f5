/** PromQL text helpers for the adapter's pushed-down aggregations. */

/** A PromQL double-quoted string literal. */
export function promString(value: string): string {
  return JSON.stringify(value);
}

/** Escapes a literal for use inside a RE2 regex (label values used in `=~` lists). */
export function escapeRegex(value: string): string {
  return value.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}

export type Matcher = { label: string; op: '=' | '!=' | '=~' | '!~'; value: string };

export function selector(metric: string, matchers: Matcher[]): string {
  if (matchers.length === 0) return metric;
  return `${metric}{${matchers.map((m) => `${m.label}${m.op}${promString(m.value)}`).join(', ')}}`;
}

/** `label=~"a|b|c"` for an explicit list of values. */
export function anyOf(label: string, values: string[]): Matcher {
  return { label, op: '=~', value: values.map(escapeRegex).join('|') };
}
