/**
 * OTLP/HTTP body decoding: gzip, protobuf (official protos through protobufjs) or JSON (zod).
 * Every failure is an OtlpDecodeError carrying the HTTP status the spec asks for.
 */
import protobuf from 'protobufjs';
import { gunzipSync, inflateSync } from 'node:zlib';
import type { z } from 'zod';
import { OTLP_DESCRIPTOR } from './descriptor.js';
import { LogsRequestJson, MetricsRequestJson, TracesRequestJson, type LogsRequest, type MetricsRequest, type TracesRequest } from './model.js';

const root = protobuf.Root.fromJSON(OTLP_DESCRIPTOR);
const svc = (signal: string, name: string) => root.lookupType(`opentelemetry.proto.collector.${signal}.v1.${name}`);

export type Signal = 'traces' | 'logs' | 'metrics';
export type Encoding = 'protobuf' | 'json';

export const MESSAGES = {
  traces: { request: svc('trace', 'ExportTraceServiceRequest'), response: svc('trace', 'ExportTraceServiceResponse'), rejectedField: 'rejectedSpans' },
  logs: { request: svc('logs', 'ExportLogsServiceRequest'), response: svc('logs', 'ExportLogsServiceResponse'), rejectedField: 'rejectedLogRecords' },
  metrics: { request: svc('metrics', 'ExportMetricsServiceRequest'), response: svc('metrics', 'ExportMetricsServiceResponse'), rejectedField: 'rejectedDataPoints' },
} as const;

const JSON_SCHEMAS: Record<Signal, z.ZodType> = { traces: TracesRequestJson, logs: LogsRequestJson, metrics: MetricsRequestJson };

export class OtlpDecodeError extends Error {
  constructor(readonly status: 400 | 413 | 415, message: string) {
    super(message);
  }
}

/** The encoding from Content-Type, or a 415 naming the two the spec defines. */
export function encodingOf(contentType: string | undefined): Encoding {
  const base = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (base === 'application/x-protobuf' || base === 'application/protobuf') return 'protobuf';
  if (base === 'application/json') return 'json';
  throw new OtlpDecodeError(415, `unsupported Content-Type "${contentType ?? ''}": OTLP/HTTP accepts application/x-protobuf or application/json`);
}

/** Undoes Content-Encoding; the decompressed size is capped too (a small gzip bomb must not exhaust memory). */
export function decompress(body: Buffer, contentEncoding: string | undefined, maxBytes: number): Buffer {
  const enc = (contentEncoding ?? '').trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  try {
    if (enc === 'gzip') return gunzipSync(body, { maxOutputLength: maxBytes });
    if (enc === 'deflate') return inflateSync(body, { maxOutputLength: maxBytes });
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || /maxOutputLength|Cannot create a Buffer larger/.test((err as Error).message)) {
      throw new OtlpDecodeError(413, `decompressed body exceeds ${maxBytes} bytes: send smaller batches (OpenTelemetry Collector batch processor send_batch_max_size)`);
    }
    throw new OtlpDecodeError(400, `body is not valid ${enc}: ${(err as Error).message}`);
  }
  throw new OtlpDecodeError(415, `unsupported Content-Encoding "${enc}": use gzip or none`);
}

export function decodeRequest(signal: 'traces', body: Buffer, encoding: Encoding): TracesRequest;
export function decodeRequest(signal: 'logs', body: Buffer, encoding: Encoding): LogsRequest;
export function decodeRequest(signal: 'metrics', body: Buffer, encoding: Encoding): MetricsRequest;
export function decodeRequest(signal: Signal, body: Buffer, encoding: Encoding): TracesRequest | LogsRequest | MetricsRequest {
  if (encoding === 'protobuf') {
    try {
      return MESSAGES[signal].request.decode(body) as unknown as TracesRequest;
    } catch (err) {
      throw new OtlpDecodeError(400, `body is not a valid protobuf ${MESSAGES[signal].request.name}: ${(err as Error).message}`);
    }
  }
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw new OtlpDecodeError(400, `body is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = JSON_SCHEMAS[signal].safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new OtlpDecodeError(400, `invalid OTLP JSON at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data as TracesRequest;
}

/** The Export*ServiceResponse body in the request's encoding; partial_success only when something was rejected. */
export function encodeResponse(signal: Signal, encoding: Encoding, rejected: number, errorMessage: string): Buffer | object {
  const partial = rejected > 0 || errorMessage ? { partialSuccess: { [MESSAGES[signal].rejectedField]: rejected, errorMessage } } : {};
  if (encoding === 'json') {
    // int64 in proto3 JSON is a string.
    return rejected > 0 || errorMessage ? { partialSuccess: { [MESSAGES[signal].rejectedField]: String(rejected), errorMessage } } : {};
  }
  const type = MESSAGES[signal].response;
  return Buffer.from(type.encode(type.fromObject(partial)).finish());
}

/** Encodes a request object (tests and the benchmark build real protobuf bodies with the same protos). */
export function encodeRequest(signal: Signal, request: object): Buffer {
  const type = MESSAGES[signal].request;
  return Buffer.from(type.encode(type.fromObject(request)).finish());
}
