/**
 * Where generated files live, in one place: `<output.path>/slos/<service>/<slo-id>.<suffix>`
 * (plus rules, chart, dashboard and report.json in the same service folder). Policy Guard reads
 * the same layout back: its default `applies_to` paths and the count of known services.
 */
export type LayoutFormat = 'openslo' | 'sloth' | 'prometheus-rule-crd' | 'pyrra';

export const SPEC_SUFFIX: Record<LayoutFormat, string> = {
  openslo: 'openslo.yaml',
  sloth: 'sloth.yaml',
  'prometheus-rule-crd': 'prometheusrule.yaml',
  pyrra: 'pyrra.yaml',
};

export interface LayoutOutput {
  path: string;
  format: LayoutFormat;
}

export const DEFAULT_OUTPUT_PATH = 'slo-proposals';

/** `./slo-proposals/` and `slo-proposals` are the same folder; `.` is the repository root. */
export function normaliseOutputPath(path: string): string {
  const p = path.trim().replace(/^(\.\/)+/, '').replace(/\/+$/, '');
  return p === '.' ? '' : p;
}

/** The folder that holds one folder per service. */
export function slosDir(outputPath: string): string {
  const base = normaliseOutputPath(outputPath);
  return base ? `${base}/slos` : 'slos';
}

/** Default Policy Guard `applies_to.paths`: everything SLO-Scout writes. */
export function defaultPolicyPaths(outputPath: string): string[] {
  return [`${slosDir(outputPath)}/**`];
}

/** The service a generated spec file belongs to, or null when the path is not one (another format, another folder). */
export function serviceOfSpecPath(path: string, output: LayoutOutput): string | null {
  const prefix = `${slosDir(output.path)}/`;
  if (!path.startsWith(prefix) || !path.endsWith(`.${SPEC_SUFFIX[output.format]}`)) return null;
  const rest = path.slice(prefix.length).split('/');
  return rest.length === 2 && rest[0] ? rest[0] : null;
}

/** Services with at least one spec file of the configured format (the denominator of `max_services: 10%`). */
export function knownServicesInLayout(paths: string[], output: LayoutOutput): number {
  const services = new Set<string>();
  for (const p of paths) {
    const s = serviceOfSpecPath(p, output);
    if (s) services.add(s);
  }
  return services.size;
}
