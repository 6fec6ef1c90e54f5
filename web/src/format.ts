export const pct = (x: number, digits?: number): string => {
  if (!Number.isFinite(x)) return '—';
  const v = x * 100;
  if (digits !== undefined) return `${v.toFixed(digits)}%`;
  if (v === 0) return '0%';
  return `${Math.abs(v) < 0.1 ? v.toPrecision(1) : Math.abs(v) < 10 ? v.toFixed(1) : v.toFixed(0)}%`;
};

export const seconds = (s: number | null): string => (s === null ? '' : s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`);

export const objective = (target: number, thresholdSeconds: number | null): string =>
  `${target}%${thresholdSeconds !== null ? ` ≤ ${seconds(thresholdSeconds)}` : ''}`;

export const day = (iso: string): string => iso.slice(0, 10);

export const usd = (x: number): string => {
  const abs = Math.abs(x);
  return `${x < 0 ? '-' : ''}$${abs >= 100 ? abs.toFixed(0) : abs >= 1 ? abs.toFixed(2) : abs.toFixed(4).replace(/0+$/, '').replace(/\.$/, '')}`;
};

export const VARIANT_COLOURS: Record<string, string> = {
  conservative: '#1d4ed8',
  balanced: '#047857',
  aggressive: '#b45309',
};
