import type { ConfigError, StreamDoc } from '../config/loader.js';
import type { OpenSloObject } from '../config/openslo.js';

type OpenSloDoc = StreamDoc<OpenSloObject>;

/**
 * OpenSLO objects refer to each other by name (indicatorRef, alertPolicyRef, conditionRef,
 * targetRef, spec.service). A dangling reference is an SLO no tool can evaluate: check them across
 * every file given on the command line.
 */
export function checkReferences(files: Array<{ file: string; docs: OpenSloDoc[] }>): ConfigError[] {
  const defined = new Map<string, Set<string>>();
  for (const { docs } of files) for (const d of docs) {
    const names = defined.get(d.value.kind) ?? new Set<string>();
    names.add(d.value.metadata.name);
    defined.set(d.value.kind, names);
  }
  const errors: ConfigError[] = [];
  for (const { file, docs } of files) for (const d of docs) {
    const refs: Array<{ path: Array<string | number>; kind: string; name: string }> = [];
    const o = d.value;
    if (o.kind === 'SLO') {
      refs.push({ path: ['spec', 'service'], kind: 'Service', name: o.spec.service });
      if (o.spec.indicatorRef) refs.push({ path: ['spec', 'indicatorRef'], kind: 'SLI', name: o.spec.indicatorRef });
      (o.spec.alertPolicies ?? []).forEach((p, i) => {
        if (typeof p.alertPolicyRef === 'string') refs.push({ path: ['spec', 'alertPolicies', i, 'alertPolicyRef'], kind: 'AlertPolicy', name: p.alertPolicyRef });
      });
    }
    if (o.kind === 'AlertPolicy') {
      o.spec.conditions.forEach((c, i) => {
        if ('conditionRef' in c) refs.push({ path: ['spec', 'conditions', i, 'conditionRef'], kind: 'AlertCondition', name: c.conditionRef });
      });
      o.spec.notificationTargets.forEach((t, i) => {
        if (typeof t.targetRef === 'string') refs.push({ path: ['spec', 'notificationTargets', i, 'targetRef'], kind: 'AlertNotificationTarget', name: t.targetRef });
      });
    }
    for (const ref of refs) {
      if (defined.get(ref.kind)?.has(ref.name)) continue;
      const { line, col } = d.positionOf(ref.path);
      errors.push({ file, line, col, path: ref.path.join('.'), message: `${ref.path.join('.')}: no ${ref.kind} named "${ref.name}" in the files given: define it, or validate this file together with the file that does` });
    }
  }
  return errors;
}
