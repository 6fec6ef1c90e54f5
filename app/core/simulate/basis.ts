import { z } from 'zod';

/**
 * The compact, serialisable model one SLO is simulated from. It travels in report.json as
 * `proposal.simulationBasis`, so `slo-scout simulate --report` and the PR command need no
 * Prometheus. Deliberately imports nothing from report.ts (report.ts embeds this schema).
 */

export const VersionBehaviour = z.object({
  name: z.string(),
  /** Service-time CDF at `thresholds` (observed latency with the fitted queueing wait removed). */
  serviceCdf: z.array(z.number()),
  /** Bad (error) events / valid events while this version alone was live. */
  errorRatio: z.number(),
  requests: z.number(),
  /** Steps (e.g. hours) during which this version alone was live. */
  steps: z.number(),
  /** unix seconds of the first step this version was seen; orders "newest". */
  firstSeen: z.number(),
});
export type VersionBehaviour = z.infer<typeof VersionBehaviour>;

export const BasisWindow = z.object({
  /** unix seconds */
  start: z.number(),
  total: z.number(),
  errors: z.number(),
  /** Requests at or under each of `thresholds` (cumulative), over the whole window. */
  good: z.array(z.number()),
  /** Per step inside the window (hourly when available): requests, replicas, version index (-1 = mixed/unknown). */
  requests: z.array(z.number()),
  replicas: z.array(z.number()),
  version: z.array(z.number()),
});
export type BasisWindow = z.infer<typeof BasisWindow>;

export const CapacitySource = z.enum(['fitted', 'assumed', 'configured']);
export type CapacitySource = z.infer<typeof CapacitySource>;

export const SimulationBasis = z.object({
  model: z.literal('mmc-erlang-c/v1'),
  stepSeconds: z.number().positive(),
  breachWindowSeconds: z.number().positive(),
  periodSeconds: z.number().positive(),
  /** Latency bucket bounds in seconds (empty when the endpoint has no latency data). */
  thresholds: z.array(z.number()),
  /** Requests per second one replica serves at full utilisation (= serversPerReplica × serviceRate). */
  capacityPerReplica: z.number().positive(),
  /** Requests a replica runs at once (worker slots): the M/M/c servers are replicas × this. */
  serversPerReplica: z.number().int().positive(),
  /** μ per slot: 1 / mean service time (seconds⁻¹). */
  serviceRate: z.number().positive(),
  capacitySource: CapacitySource,
  /** False when no replica count was observed: the service is then modelled as one "replica". */
  replicasKnown: z.boolean(),
  /** Behaviour pooled over all steps (used for steps with a mixed or unknown version). */
  pooled: VersionBehaviour,
  versions: z.array(VersionBehaviour),
  windows: z.array(BasisWindow),
});
export type SimulationBasis = z.infer<typeof SimulationBasis>;
