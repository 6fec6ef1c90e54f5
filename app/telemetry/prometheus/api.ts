import { z } from 'zod';

/**
 * Shapes of the Prometheus HTTP API replies we use (https://prometheus.io/docs/prometheus/latest/querying/api/).
 * Parsed at the edge so a proxy returning HTML or a Mimir quirk fails with a clear message.
 */

/** [unix seconds, "value"] — values are strings because they can be NaN/Inf. */
const SamplePair = z.tuple([z.number(), z.string()]);
const Labels = z.record(z.string(), z.string());

const isSamplePair = (p: unknown): boolean => Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'string';
/**
 * A matrix series' samples, checked in place: the same check as an array of SamplePair, without
 * copying each pair (the alert replay's 28 days at 5 minutes are 8,064 pairs a series, millions a run,
 * and the copies cost more time in parsing and garbage collection than the queries).
 */
const SamplePairs = z.custom<Array<[number, string]>>((v) => Array.isArray(v) && v.every(isSamplePair), { message: 'expected [[unix seconds, "value"], ...]' });

export const MatrixSeries = z.object({ metric: Labels, values: SamplePairs });
export type MatrixSeries = z.infer<typeof MatrixSeries>;
export const VectorSample = z.object({ metric: Labels, value: SamplePair });
export type VectorSample = z.infer<typeof VectorSample>;

export const QueryData = z.discriminatedUnion('resultType', [
  z.object({ resultType: z.literal('matrix'), result: z.array(MatrixSeries) }),
  z.object({ resultType: z.literal('vector'), result: z.array(VectorSample) }),
  z.object({ resultType: z.literal('scalar'), result: SamplePair }),
  z.object({ resultType: z.literal('string'), result: SamplePair }),
]);
export type QueryData = z.infer<typeof QueryData>;

export const SeriesData = z.array(Labels);
export const LabelsData = z.array(z.string());

export const ExemplarsData = z.array(z.object({
  seriesLabels: Labels,
  exemplars: z.array(z.object({ labels: Labels, value: z.string(), timestamp: z.number() })),
}));
export type ExemplarsData = z.infer<typeof ExemplarsData>;

/** The envelope every endpoint uses; errors carry errorType + error (PromQL parse errors, timeouts). */
export const Envelope = z.union([
  z.object({ status: z.literal('success'), data: z.unknown(), warnings: z.array(z.string()).optional() }),
  z.object({ status: z.literal('error'), errorType: z.string(), error: z.string(), data: z.unknown().optional() }),
]);
