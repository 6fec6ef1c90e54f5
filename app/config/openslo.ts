import { z } from 'zod';

/**
 * OpenSLO v1 (https://github.com/OpenSLO/OpenSLO, `apiVersion: openslo/v1`): the kinds SLO-Scout
 * writes and `slo-scout validate` checks. Unknown keys are errors: a typo in `budgetingMethod`
 * would otherwise silently produce an SLO nobody evaluates.
 */

/** RFC 1123 label: what Kubernetes-style tooling (and OpenSLO) expects of metadata.name. */
const DnsLabel = z.string()
  .max(63, 'at most 63 characters (an RFC 1123 label)')
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'lowercase letters, digits and "-", starting and ending with a letter or digit (RFC 1123), e.g. checkout-latency');
/** OpenSLO duration shorthand: a number and one unit (m, h, d, w, M, Q, Y). */
const Duration = z.string().regex(/^\d+[smhdwMQY]$/, 'a duration shorthand such as 5m, 1h, 28d, 1w, 1M, 1Q');

const Metadata = z.object({
  name: DnsLabel,
  displayName: z.string().optional(),
  labels: z.record(z.string(), z.union([z.string(), z.array(z.string())])).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
}).strict();

const MetricSource = z.object({
  metricSource: z.object({
    metricSourceRef: z.string().optional(),
    type: z.string().optional(),
    spec: z.record(z.string(), z.unknown()),
  }).strict(),
}).strict();

const SliSpec = z.object({
  description: z.string().max(1050).optional(),
  thresholdMetric: MetricSource.optional(),
  ratioMetric: z.object({
    counter: z.boolean(),
    good: MetricSource.optional(),
    bad: MetricSource.optional(),
    total: MetricSource.optional(),
    rawType: z.enum(['success', 'failure']).optional(),
    raw: MetricSource.optional(),
  }).strict().optional(),
}).strict().refine((s) => (s.thresholdMetric === undefined) !== (s.ratioMetric === undefined), 'an SLI needs exactly one of thresholdMetric or ratioMetric');

const Objective = z.object({
  displayName: z.string().optional(),
  op: z.enum(['lte', 'gte', 'lt', 'gt']).optional(),
  value: z.number().optional(),
  target: z.number().gt(0).lt(1, 'a fraction below 1, e.g. 0.999 for 99.9%').optional(),
  targetPercent: z.number().gt(0).lt(100).optional(),
  timeSliceTarget: z.number().gt(0).lte(1).optional(),
  timeSliceWindow: z.union([Duration, z.number()]).optional(),
  indicatorRef: z.string().optional(),
  compositeWeight: z.number().optional(),
}).strict().refine((o) => o.target !== undefined || o.targetPercent !== undefined, 'an objective needs target (a fraction, e.g. 0.999) or targetPercent');

/** An IANA zone name as Intl knows it (the runtime's tz database), e.g. Europe/Berlin or UTC. */
export const TimeZone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'an IANA time zone such as UTC or Europe/Berlin');

/**
 * OpenSLO v1: a rolling window says `isRolling: true`; a calendar-aligned one gives `calendar`
 * (startTime + timeZone), and then `isRolling` may be omitted (it is false).
 */
const TimeWindow = z.object({
  duration: Duration,
  isRolling: z.boolean().optional(),
  calendar: z.object({
    startTime: z.string().regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}$/, 'a start time such as "2022-01-01 12:00:00"'),
    timeZone: TimeZone,
  }).strict().optional(),
}).strict().superRefine((w, ctx) => {
  if (w.isRolling === true && w.calendar) ctx.addIssue({ code: 'custom', path: ['calendar'], message: 'a rolling window has no calendar: remove calendar or set isRolling: false' });
  if (w.isRolling !== true && !w.calendar) ctx.addIssue({ code: 'custom', path: ['isRolling'], message: 'set isRolling: true for a rolling window, or give calendar: { startTime, timeZone } for a calendar-aligned one' });
});

const SloSpec = z.object({
  description: z.string().max(1050).optional(),
  service: z.string().min(1),
  indicator: z.object({ metadata: Metadata, spec: SliSpec }).strict().optional(),
  indicatorRef: z.string().optional(),
  timeWindow: z.array(TimeWindow).length(1, 'exactly one time window'),
  budgetingMethod: z.enum(['Occurrences', 'Timeslices', 'RatioTimeslices']),
  objectives: z.array(Objective).min(1, 'at least one objective'),
  alertPolicies: z.array(z.union([z.object({ alertPolicyRef: z.string() }).strict(), z.record(z.string(), z.unknown())])).optional(),
}).strict().refine((s) => (s.indicator === undefined) !== (s.indicatorRef === undefined) || s.objectives.every((o) => o.indicatorRef), 'an SLO needs exactly one of indicator or indicatorRef');

const AlertConditionSpec = z.object({
  description: z.string().optional(),
  severity: z.string().min(1),
  condition: z.object({
    kind: z.literal('burnrate'),
    op: z.enum(['lte', 'gte', 'lt', 'gt']),
    threshold: z.number(),
    lookbackWindow: Duration,
    alertAfter: Duration,
  }).strict(),
}).strict();

const AlertPolicySpec = z.object({
  description: z.string().optional(),
  alertWhenNoData: z.boolean().optional(),
  alertWhenResolved: z.boolean().optional(),
  alertWhenBreaching: z.boolean().optional(),
  conditions: z.array(z.union([z.object({ conditionRef: z.string() }).strict(), z.object({ kind: z.literal('AlertCondition'), metadata: Metadata, spec: AlertConditionSpec }).strict()])).length(1, 'OpenSLO v1 allows exactly one condition per policy'),
  notificationTargets: z.array(z.union([z.object({ targetRef: z.string() }).strict(), z.record(z.string(), z.unknown())])),
}).strict();

const object = <K extends string, S extends z.ZodType>(kind: K, spec: S) =>
  z.object({ apiVersion: z.literal('openslo/v1'), kind: z.literal(kind), metadata: Metadata, spec }).strict();

export const OpenSloObject = z.discriminatedUnion('kind', [
  object('Service', z.object({ description: z.string().max(1050).optional() }).strict()),
  object('SLI', SliSpec),
  object('SLO', SloSpec),
  object('AlertCondition', AlertConditionSpec),
  object('AlertPolicy', AlertPolicySpec),
  object('AlertNotificationTarget', z.object({ description: z.string().optional(), target: z.string().min(1) }).strict()),
  object('DataSource', z.object({ description: z.string().optional(), type: z.string().min(1), connectionDetails: z.record(z.string(), z.unknown()) }).strict()),
], { error: 'kind must be one of Service, SLI, SLO, AlertCondition, AlertPolicy, AlertNotificationTarget, DataSource (OpenSLO v1)' });
export type OpenSloObject = z.infer<typeof OpenSloObject>;
