/**
 * Masking before template mining: variable parts become placeholders so that lines of one event
 * type share tokens. Order matters (a UUID contains hex and digits; an IP contains numbers).
 * The set follows Drain3's default masking instructions, plus UUIDs and durations.
 */
export interface MaskRule {
  name: string;
  pattern: RegExp;
}

// Boundaries: a placeholder never eats into a word ("blk_123" -> "blk_<NUM>", "v2" stays "v2").
const B = '(?<![A-Za-z0-9])';
const E = '(?![A-Za-z0-9])';

export const DEFAULT_MASKS: MaskRule[] = [
  { name: 'UUID', pattern: new RegExp(`${B}[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}${E}`, 'g') },
  { name: 'IP', pattern: new RegExp(`${B}\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}(?::\\d{1,5})?${E}`, 'g') },
  { name: 'HEX', pattern: new RegExp(`${B}0x[0-9a-fA-F]+${E}`, 'g') },
  // Long hex runs with at least one digit and one letter: trace/span ids, hashes, session ids.
  { name: 'ID', pattern: new RegExp(`${B}(?=[0-9a-fA-F]*[0-9])(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}${E}`, 'g') },
  { name: 'NUM', pattern: new RegExp(`${B}[-+]?\\d+(?:\\.\\d+)?(?:ms|s|us|ns|[kKMG]B?|%)?${E}`, 'g') },
];

export function maskLine(line: string, rules: MaskRule[] = DEFAULT_MASKS): string {
  let out = line;
  for (const rule of rules) out = out.replace(rule.pattern, `<${rule.name}>`);
  return out;
}
