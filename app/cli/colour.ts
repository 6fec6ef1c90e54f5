/**
 * Colour only for a person at a terminal: never when piped or redirected, never with NO_COLOR set
 * to anything non-empty (no-color.org), never on TERM=dumb. FORCE_COLOR (non-"0") forces it on, as
 * in Node and most CLIs.
 */
export function useColour(stream: { isTTY?: boolean } = process.stdout, env: Record<string, string | undefined> = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

/** cli-table3 style: its default red heads and grey borders are ANSI codes; plain when colour is off. */
export function tableStyle(stream: { isTTY?: boolean } = process.stdout): { head?: string[]; border?: string[] } {
  return useColour(stream) ? {} : { head: [], border: [] };
}
