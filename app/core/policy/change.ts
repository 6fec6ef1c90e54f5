import { z } from 'zod';

/**
 * What a pull request changes in SLO terms, derived from the SLO files on the base and head
 * commits (never from what the PR description claims). Files are passed in already parsed
 * (one entry per YAML document) so this stays pure.
 */
export interface ChangedFile {
  path: string;
  /** Parsed YAML documents on the base commit; null when the file is new. */
  base: unknown[] | null;
  /** Parsed YAML documents on the head commit; null when the file is deleted. */
  head: unknown[] | null;
}

export const SloChangeKind = z.enum(['added', 'removed', 'tightened', 'loosened', 'changed']);
export type SloChangeKind = z.infer<typeof SloChangeKind>;

export interface Objective {
  /** Objective as a percentage, e.g. 99.9. */
  target: number;
  /** Latency threshold in the file's unit (OpenSLO `value` with op lt/lte); null for ratios. */
  threshold: number | null;
}

export interface SloChange {
  /** `service/slo-name`: the identity compared between base and head. */
  key: string;
  slo: string;
  service: string;
  endpoint: string;
  file: string;
  kind: SloChangeKind;
  /** From the SLO's labels (`criticality: critical` or `tier: critical`). */
  critical: boolean;
  before: Objective[] | null;
  after: Objective[] | null;
}

export interface RuleDelta {
  recordingAdded: number;
  recordingRemoved: number;
  alertingAdded: number;
  alertingRemoved: number;
}

export interface ChangeSet {
  files: string[];
  slos: SloChange[];
  services: string[];
  endpoints: string[];
  rules: RuleDelta;
}

interface SloDoc {
  slo: string;
  service: string;
  endpoint: string;
  critical: boolean;
  objectives: Objective[];
}

const Labels = z.record(z.string(), z.unknown()).optional();
const OpenSloDoc = z.object({
  apiVersion: z.string().regex(/^openslo\//),
  kind: z.literal('SLO'),
  metadata: z.object({ name: z.string(), labels: Labels, annotations: Labels }),
  spec: z.object({
    service: z.string(),
    objectives: z.array(z.object({
      target: z.number().optional(),
      targetPercent: z.number().optional(),
      op: z.string().optional(),
      value: z.number().optional(),
    })).default([]),
  }),
});
const SlothDoc = z.object({
  version: z.string().regex(/^prometheus\//),
  service: z.string(),
  labels: Labels,
  slos: z.array(z.object({ name: z.string(), objective: z.number(), labels: Labels })),
});
const RulesDoc = z.object({
  groups: z.array(z.object({
    name: z.string(),
    rules: z.array(z.object({ record: z.string().optional(), alert: z.string().optional(), labels: z.record(z.string(), z.unknown()).optional() })).default([]),
  })),
});

function labelText(labels: Record<string, unknown> | undefined, ...keys: string[]): string | undefined {
  for (const k of keys) {
    const v = labels?.[k];
    if (typeof v === 'string' && v) return v;
  }
  return undefined;
}

function isCritical(...labelSets: (Record<string, unknown> | undefined)[]): boolean {
  return labelSets.some((l) => [labelText(l, 'criticality'), labelText(l, 'tier')].includes('critical'));
}

/** Floating noise from fraction -> percent (0.999 * 100 = 99.89999...) must not read as a change. */
const round = (n: number) => Number(n.toPrecision(10));

/**
 * SLO-Scout's own OpenSLO files keep the latency threshold in the SLI query (`le="0.5"`) and in
 * the annotation of the selected variant; read it from there so a threshold change is seen.
 */
function selectedVariantThreshold(annotations: Record<string, unknown> | undefined): number | null {
  const selected = labelText(annotations, 'slo-scout.dev/selected-variant');
  const raw = selected ? labelText(annotations, `slo-scout.dev/variant-${selected}`) : undefined;
  if (!raw) return null;
  try {
    const v = (JSON.parse(raw) as { thresholdSeconds?: unknown }).thresholdSeconds;
    return typeof v === 'number' ? v : null;
  } catch {
    return null;
  }
}

function slosOf(docs: unknown[] | null): SloDoc[] {
  const out: SloDoc[] = [];
  for (const doc of docs ?? []) {
    const open = OpenSloDoc.safeParse(doc);
    if (open.success) {
      const { metadata, spec } = open.data;
      const selected = selectedVariantThreshold(metadata.annotations);
      out.push({
        slo: metadata.name,
        service: spec.service,
        // SLO-Scout names SLOs <service>-<route>-<sli>; one endpoint carries a latency and an availability SLO.
        endpoint: labelText(metadata.labels, 'endpoint') ?? metadata.name.replace(/-(latency|availability)$/, ''),
        critical: isCritical(metadata.labels),
        objectives: spec.objectives.map((o) => ({
          // OpenSLO v1 writes targets as fractions (0.999); targetPercent as percentages.
          target: round(o.targetPercent ?? (o.target !== undefined ? o.target * 100 : 0)),
          threshold: o.op === 'lt' || o.op === 'lte' ? (o.value ?? null) : selected,
        })),
      });
      continue;
    }
    const sloth = SlothDoc.safeParse(doc);
    if (sloth.success) {
      for (const s of sloth.data.slos) {
        out.push({
          slo: s.name,
          service: sloth.data.service,
          endpoint: labelText(s.labels, 'endpoint') ?? s.name,
          critical: isCritical(sloth.data.labels, s.labels),
          objectives: [{ target: s.objective, threshold: null }],
        });
      }
    }
  }
  return out;
}

function rulesOf(docs: unknown[] | null): { recording: string[]; alerting: string[] } {
  const recording: string[] = [];
  const alerting: string[] = [];
  for (const doc of docs ?? []) {
    const parsed = RulesDoc.safeParse(doc);
    if (!parsed.success) continue;
    for (const g of parsed.data.groups) {
      for (const r of g.rules) {
        // The same record name with other labels is another rule (one per SLO window).
        const id = `${r.record ?? r.alert}${JSON.stringify(Object.entries(r.labels ?? {}).sort())}`;
        if (r.record) recording.push(id);
        else if (r.alert) alerting.push(id);
      }
    }
  }
  return { recording, alerting };
}

/** Multiset difference: how many of `a` are not matched in `b`. */
function missingFrom(a: string[], b: string[]): number {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  let n = 0;
  for (const x of a) {
    const c = left.get(x) ?? 0;
    if (c > 0) left.set(x, c - 1);
    else n += 1;
  }
  return n;
}

/** Stricter = higher target, or a lower latency threshold at the same target. */
export function compareObjectives(before: Objective[], after: Objective[]): SloChangeKind | null {
  if (JSON.stringify(before) === JSON.stringify(after)) return null;
  if (before.length !== after.length) return 'changed';
  let tighter = false;
  let looser = false;
  before.forEach((b, i) => {
    const a = after[i]!;
    if (a.target > b.target) tighter = true;
    if (a.target < b.target) looser = true;
    if (a.threshold !== null && b.threshold !== null) {
      if (a.threshold < b.threshold) tighter = true;
      if (a.threshold > b.threshold) looser = true;
    } else if (a.threshold !== b.threshold) {
      return void (tighter = looser = true);
    }
  });
  if (tighter && !looser) return 'tightened';
  if (looser && !tighter) return 'loosened';
  return 'changed';
}

export function deriveChange(files: ChangedFile[]): ChangeSet {
  const slos: SloChange[] = [];
  const rules: RuleDelta = { recordingAdded: 0, recordingRemoved: 0, alertingAdded: 0, alertingRemoved: 0 };
  for (const f of files) {
    const base = new Map(slosOf(f.base).map((s) => [`${s.service}/${s.slo}`, s]));
    const head = new Map(slosOf(f.head).map((s) => [`${s.service}/${s.slo}`, s]));
    for (const key of new Set([...base.keys(), ...head.keys()])) {
      const b = base.get(key);
      const h = head.get(key);
      const kind: SloChangeKind | null = !b ? 'added' : !h ? 'removed' : compareObjectives(b.objectives, h.objectives);
      if (!kind) continue;
      const s = (h ?? b)!;
      slos.push({
        key, slo: s.slo, service: s.service, endpoint: s.endpoint, file: f.path, kind,
        critical: Boolean(b?.critical || h?.critical),
        before: b?.objectives ?? null, after: h?.objectives ?? null,
      });
    }
    const rb = rulesOf(f.base);
    const rh = rulesOf(f.head);
    rules.recordingAdded += missingFrom(rh.recording, rb.recording);
    rules.recordingRemoved += missingFrom(rb.recording, rh.recording);
    rules.alertingAdded += missingFrom(rh.alerting, rb.alerting);
    rules.alertingRemoved += missingFrom(rb.alerting, rh.alerting);
  }
  slos.sort((a, b) => a.key.localeCompare(b.key));
  return {
    files: files.map((f) => f.path).sort(),
    slos,
    services: [...new Set(slos.map((s) => s.service))].sort(),
    endpoints: [...new Set(slos.map((s) => `${s.service}/${s.endpoint}`))].sort(),
    rules,
  };
}
