/** Number formatting for rationales and warnings: plain sentences with numbers a reviewer can check. */

export function pct(x: number): string {
  const v = x * 100;
  if (v === 0 || v === 100) return `${v}%`;
  if (v > 99.9 || v < 0.1) return `${v.toFixed(3).replace(/0+$/, '')}%`;
  return `${v.toFixed(1)}%`;
}

export function target(t: number): string {
  return `${t}%`;
}

export function seconds(s: number): string {
  return s < 1 ? `${Math.round(s * 1000 * 10) / 10} ms` : `${s} s`;
}

export function count(n: number): string {
  // Not toLocaleString: ICU formatting is slow and locale data differs between Node builds.
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

export function day(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}
