/**
 * The OTLP request shapes the aggregator reads. Protobuf requests decoded by protobufjs and JSON
 * requests parsed by the zod schemas below both fit these interfaces, so one walker serves both
 * encodings. Field names are the protobuf JSON names (lowerCamelCase), as the OTLP/HTTP JSON spec
 * requires; ids are bytes in protobuf and hex strings in JSON (OTLP JSON deviates from proto3 there).
 */
import { z } from 'zod';

/** protobufjs decodes (s)fixed64 as Long when the `long` package is present; JSON sends strings or numbers. */
export type Int64 = number | string | { low: number; high: number; unsigned?: boolean };
export type Bytes = Uint8Array | string;

export interface AnyValue {
  stringValue?: string | null;
  boolValue?: boolean | null;
  intValue?: Int64 | null;
  doubleValue?: number | null;
  arrayValue?: { values?: AnyValue[] | null } | null;
  kvlistValue?: { values?: KeyValue[] | null } | null;
  bytesValue?: Bytes | null;
}
export interface KeyValue { key: string; value?: AnyValue | null }
export interface Resource { attributes?: KeyValue[] | null }

export interface SpanEvent { timeUnixNano?: Int64 | null; name?: string | null; attributes?: KeyValue[] | null }
export interface Span {
  traceId?: Bytes | null;
  spanId?: Bytes | null;
  name?: string | null;
  kind?: number | null;
  startTimeUnixNano?: Int64 | null;
  endTimeUnixNano?: Int64 | null;
  attributes?: KeyValue[] | null;
  events?: SpanEvent[] | null;
  status?: { code?: number | null; message?: string | null } | null;
}
export interface TracesRequest {
  resourceSpans?: Array<{ resource?: Resource | null; scopeSpans?: Array<{ spans?: Span[] | null }> | null }> | null;
}

export interface LogRecord {
  timeUnixNano?: Int64 | null;
  observedTimeUnixNano?: Int64 | null;
  severityNumber?: number | null;
  severityText?: string | null;
  body?: AnyValue | null;
  attributes?: KeyValue[] | null;
  traceId?: Bytes | null;
  spanId?: Bytes | null;
}
export interface LogsRequest {
  resourceLogs?: Array<{ resource?: Resource | null; scopeLogs?: Array<{ logRecords?: LogRecord[] | null }> | null }> | null;
}

export interface MetricsRequest {
  resourceMetrics?: Array<{ resource?: Resource | null; scopeMetrics?: Array<{ metrics?: Array<Record<string, unknown>> | null }> | null }> | null;
}

// ---- JSON encoding (OTLP/HTTP JSON: lowerCamelCase keys, hex ids, int64 as string or number, enums as integers)

const Int64Json = z.union([z.string().regex(/^-?\d+$/, 'int64 must be a decimal string or a number'), z.number()]);
const HexId = z.string().regex(/^([0-9a-fA-F]{2})*$/, 'ids are hex strings in OTLP JSON (not base64)');

const AnyValueJson: z.ZodType<AnyValue> = z.lazy(() => z.object({
  stringValue: z.string().optional(),
  boolValue: z.boolean().optional(),
  intValue: Int64Json.optional(),
  doubleValue: z.number().optional(),
  arrayValue: z.object({ values: z.array(AnyValueJson).optional() }).optional(),
  kvlistValue: z.object({ values: z.array(KeyValueJson).optional() }).optional(),
  bytesValue: z.string().optional(),
}));
const KeyValueJson: z.ZodType<KeyValue> = z.lazy(() => z.object({ key: z.string(), value: AnyValueJson.optional() }));
const ResourceJson = z.object({ attributes: z.array(KeyValueJson).optional() });

const SpanJson = z.object({
  traceId: HexId.optional(),
  spanId: HexId.optional(),
  name: z.string().optional(),
  kind: z.number().int().optional(),
  startTimeUnixNano: Int64Json.optional(),
  endTimeUnixNano: Int64Json.optional(),
  attributes: z.array(KeyValueJson).optional(),
  events: z.array(z.object({ timeUnixNano: Int64Json.optional(), name: z.string().optional(), attributes: z.array(KeyValueJson).optional() })).optional(),
  status: z.object({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
});
export const TracesRequestJson = z.object({
  resourceSpans: z.array(z.object({
    resource: ResourceJson.optional(),
    scopeSpans: z.array(z.object({ spans: z.array(SpanJson).optional() })).optional(),
  })).optional(),
});

export const LogsRequestJson = z.object({
  resourceLogs: z.array(z.object({
    resource: ResourceJson.optional(),
    scopeLogs: z.array(z.object({
      logRecords: z.array(z.object({
        timeUnixNano: Int64Json.optional(),
        observedTimeUnixNano: Int64Json.optional(),
        severityNumber: z.number().int().optional(),
        severityText: z.string().optional(),
        body: AnyValueJson.optional(),
        attributes: z.array(KeyValueJson).optional(),
        traceId: HexId.optional(),
        spanId: HexId.optional(),
      })).optional(),
    })).optional(),
  })).optional(),
});

export const MetricsRequestJson = z.object({
  resourceMetrics: z.array(z.object({
    resource: ResourceJson.optional(),
    scopeMetrics: z.array(z.object({ metrics: z.array(z.record(z.string(), z.unknown())).optional() })).optional(),
  })).optional(),
});

// ---- small readers shared by the aggregators

const TWO_32 = 4294967296;

/** Nanoseconds as a JS number (exact to ~256 ns at today's epoch: plenty for latency in ms). */
export function int64ToNumber(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  return v.high * TWO_32 + (v.low >>> 0);
}

/** end - start in nanoseconds, computed on the 32-bit halves so large epochs keep full precision. */
export function int64Diff(end: Int64 | null | undefined, start: Int64 | null | undefined): number {
  if (end && start && typeof end === 'object' && typeof start === 'object') {
    return (end.high - start.high) * TWO_32 + ((end.low >>> 0) - (start.low >>> 0));
  }
  if (typeof end === 'string' && typeof start === 'string') {
    return Number(BigInt(end) - BigInt(start));
  }
  return int64ToNumber(end) - int64ToNumber(start);
}

export function idToHex(id: Bytes | null | undefined): string {
  if (!id) return '';
  if (typeof id === 'string') return id.toLowerCase();
  return Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
}

export function anyValueToString(v: AnyValue | null | undefined): string | undefined {
  if (!v) return undefined;
  if (v.stringValue !== undefined && v.stringValue !== null && v.stringValue !== '') return v.stringValue;
  if (v.intValue !== undefined && v.intValue !== null) return String(int64ToNumber(v.intValue));
  if (v.doubleValue !== undefined && v.doubleValue !== null && v.doubleValue !== 0) return String(v.doubleValue);
  if (v.boolValue !== undefined && v.boolValue !== null) return String(v.boolValue);
  if (v.stringValue === '') return '';
  if (v.kvlistValue?.values) return JSON.stringify(Object.fromEntries(v.kvlistValue.values.map((kv) => [kv.key, anyValueToString(kv.value)])));
  if (v.arrayValue?.values) return JSON.stringify(v.arrayValue.values.map((x) => anyValueToString(x)));
  return undefined;
}

/** Looks up the first present key, in order of preference (semantic-convention renames list both). */
export function attr(attrs: KeyValue[] | null | undefined, ...keys: string[]): AnyValue | undefined {
  if (!attrs) return undefined;
  for (const key of keys) {
    for (let i = 0; i < attrs.length; i++) {
      const kv = attrs[i]!;
      if (kv.key === key && kv.value) return kv.value;
    }
  }
  return undefined;
}
