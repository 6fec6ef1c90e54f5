/**
 * charts/slo-scout: helm lint and helm template over the least values and a full values file, and
 * every rendered object validated against the Kubernetes (and Prometheus Operator) schemas.
 */
import { join } from 'node:path';
import { ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { Service, ServiceAccount } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { Env } from '../../app/config/env.js';
import { helm } from '../helpers/helm.js';

const CHART = join(import.meta.dirname, '..', '..', 'charts', 'slo-scout');
const MIN = join(CHART, 'ci', 'default-values.yaml');
const FULL = join(CHART, 'ci', 'full-values.yaml');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type K8s = { apiVersion: string; kind: string; metadata: { name: string; annotations?: Record<string, string> }; spec: any };
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment, 'v1/Service': Service, 'v1/ServiceAccount': ServiceAccount, 'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget, 'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress, 'monitoring.coreos.com/v1/ServiceMonitor': ServiceMonitor,
};

function render(values: string, extra: string[] = []): K8s[] {
  const r = helm(['template', 'slo', CHART, '--namespace', 'slo', '-f', values, ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as K8s).filter(Boolean);
}
const byKind = (objs: K8s[], kind: string) => objs.filter((o) => o.kind === kind);

describe('helm chart charts/slo-scout', () => {
  it.each([['least values', MIN], ['full values', FULL]])('passes helm lint --strict with the %s', (_n, values) => {
    const r = helm(['lint', '--strict', CHART, '-f', values]);
    expect(r.stdout + r.stderr).toContain('0 chart(s) failed');
  });

  it.each([['least values', MIN], ['full values', FULL]])('every object rendered with the %s is valid for its Kubernetes schema', (_n, values) => {
    const objs = render(values);
    for (const o of objs) {
      const Model = MODELS[`${o.apiVersion}/${o.kind}`];
      expect(Model, `no schema for ${o.apiVersion} ${o.kind}`).toBeDefined();
      expect(() => new Model!(o as never).validate(), `${o.kind}/${o.metadata.name}`).not.toThrow();
    }
  });

  it('least values: serve + worker Deployments, Service, PDBs, migration hook; no Ingress, HPA or ServiceMonitor', () => {
    const objs = render(MIN);
    const kinds = objs.map((o) => o.kind).sort();
    expect(kinds).toEqual(['Deployment', 'Deployment', 'Job', 'PodDisruptionBudget', 'PodDisruptionBudget', 'Service', 'Service', 'ServiceAccount']);
    const job = byKind(objs, 'Job')[0]!;
    expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect(job.spec.template.spec.containers[0].args).toEqual(['migrate']);
    const [serve, worker] = ['slo-slo-scout-serve', 'slo-slo-scout-worker'].map((n) => byKind(objs, 'Deployment').find((d) => d.metadata.name === n)!);
    expect(serve!.spec.template.spec.containers[0].args).toEqual(['serve']);
    expect(worker!.spec.template.spec.containers[0].args).toEqual(['worker', '--metrics-port', '9464']);
    expect(worker!.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(60);
  });

  it('pods run as non-root with a read-only root, request resources, and set only env vars the app reads', () => {
    const known = new Set([...Object.keys(Env.shape), 'SLO_SCOUT_HEALTH_URL']);
    for (const values of [MIN, FULL]) {
      for (const o of render(values).filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
        const pod = o.spec.template.spec;
        expect(pod.securityContext.runAsNonRoot, o.metadata.name).toBe(true);
        for (const c of pod.containers) {
          expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
          expect(c.resources.requests.memory, o.metadata.name).toBeTruthy();
          for (const e of c.env as Array<{ name: string }>) expect(known.has(e.name), `${o.metadata.name}: ${e.name}`).toBe(true);
          const names = (c.env as Array<{ name: string }>).map((e) => e.name);
          for (const need of ['APP_ID', 'PRIVATE_KEY_PATH', 'WEBHOOK_SECRET', 'DATABASE_URL', 'REDIS_URL']) expect(names, o.metadata.name).toContain(need);
        }
      }
    }
  });

  it('full values: existingSecret refs, HPA instead of fixed replicas, Ingress, a ServiceMonitor per component over a per-pod worker Service', () => {
    const objs = render(FULL);
    const serve = byKind(objs, 'Deployment').find((d) => d.metadata.name.endsWith('-serve'))!;
    expect(serve.spec.replicas).toBeUndefined();
    const env = serve.spec.template.spec.containers[0].env as Array<{ name: string; valueFrom?: { secretKeyRef: { name: string; key: string; optional?: boolean } } }>;
    const ref = (n: string) => env.find((e) => e.name === n)?.valueFrom?.secretKeyRef;
    expect(ref('DATABASE_URL')).toEqual({ name: 'slo-scout-db', key: 'database-url' });
    expect(ref('REDIS_URL')).toEqual({ name: 'slo-scout-redis', key: 'redis-url' });
    expect(ref('WEBHOOK_SECRET')).toEqual({ name: 'slo-scout-github', key: 'webhook-secret' });
    expect(ref('SLACK_SIGNING_SECRET')).toEqual({ name: 'slo-scout-channels', key: 'slack-signing-secret', optional: true });
    expect(byKind(objs, 'HorizontalPodAutoscaler').map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(['slo-slo-scout-serve', 'slo-slo-scout-worker']);
    expect(byKind(objs, 'Ingress')[0]!.spec.rules[0].host).toBe('slo-scout.example.com');
    const monitors = byKind(objs, 'ServiceMonitor');
    expect(monitors).toHaveLength(2);
    const workerSvc = byKind(objs, 'Service').find((s) => s.metadata.name.endsWith('-worker-metrics'))!;
    expect(workerSvc.spec.clusterIP).toBe('None');
    const wm = monitors.find((m) => m.metadata.name.endsWith('-worker'))!;
    expect(wm.spec.selector.matchLabels).toEqual(workerSvc.spec.selector);
  });

  it('refuses to render without the App ID, naming the value to set', () => {
    const r = helm(['template', 'slo', CHART, '--set', 'database.url=postgres://x@y/z', '--set', 'github.existingSecret=s']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('github.appId is required');
  });
});
