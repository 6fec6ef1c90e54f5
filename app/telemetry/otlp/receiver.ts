/**
 * OTLP/HTTP receiver: POST /v1/traces, /v1/logs, /v1/metrics (OTLP spec "OTLP/HTTP").
 * - 200 with an Export*ServiceResponse (partial_success when some records were rejected),
 *   encoded like the request; 4xx/5xx carry a google.rpc.Status in the request's encoding.
 * - 400 malformed, 401 bad token, 413 too large, 415 unknown content type, 429 too many requests
 *   in flight, 503 while the aggregator is over its budget (flushes failing); both with Retry-After.
 * A request is decoded completely before anything is aggregated, so a malformed body never leaves
 * half of itself in the aggregates.
 */
import protobuf from 'protobufjs';
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { HttpRequest, HttpResponse, HttpRoute } from '../../server/http.js';
import type { Logger } from '../../logger.js';
import type { SpanAggregator } from './aggregate.js';
import type { CapsuleIngestor } from './capsule-ingest.js';
import { decodeRequest, decompress, encodeResponse, encodingOf, OtlpDecodeError, type Encoding, type Signal } from './decode.js';
import type { MetricsRequest } from './model.js';

export const TenantToken = z.object({ tenant: z.string().min(1), token: z.string().min(16, 'OTLP tokens must be at least 16 characters') });
export type TenantToken = z.infer<typeof TenantToken>;

/** `OTLP_TOKENS="tenantA:token1,tenantB:token2"` -> TenantToken[] (errors name the entry and the fix). */
/** `variable` names the environment variable in errors (OTLP_TOKENS or ALERTMANAGER_SECRETS). */
export function parseTenantTokens(value: string | undefined, variable = 'OTLP_TOKENS'): TenantToken[] {
  if (!value) return [];
  return value.split(',').map((entry, i) => {
    const at = entry.indexOf(':');
    if (at <= 0) throw new Error(`${variable} entry ${i + 1}: expected "tenant:token", e.g. "payments:$(openssl rand -hex 24)"`);
    const parsed = TenantToken.safeParse({ tenant: entry.slice(0, at).trim(), token: entry.slice(at + 1).trim() });
    if (!parsed.success) throw new Error(`${variable} entry ${i + 1} (tenant "${entry.slice(0, at).trim()}"): ${parsed.error.issues[0]!.message}`);
    return parsed.data;
  });
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Returns the tenant of a bearer token; compares digests in constant time and checks every token. */
export function tenantFor(tokens: TenantToken[], authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  if (!m) return undefined;
  const given = digest(m[1]!.trim());
  let found: string | undefined;
  for (const t of tokens) {
    if (timingSafeEqual(given, digest(t.token)) && found === undefined) found = t.tenant;
  }
  return found;
}

// google/rpc/status.proto (code, message; `details` omitted: we never send any).
const StatusType = new protobuf.Type('Status')
  .add(new protobuf.Field('code', 1, 'int32'))
  .add(new protobuf.Field('message', 2, 'string'));
new protobuf.Root().define('google.rpc').add(StatusType);

// gRPC codes used in Status.code.
const GRPC = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, UNAUTHENTICATED: 16 } as const;

export interface OtlpReceiverDeps {
  logger: Logger;
  tokens: TenantToken[];
  spans: SpanAggregator;
  capsules: CapsuleIngestor;
  /** Compressed body limit (default 4 MiB, the Collector's default batch stays far below). */
  maxBodyBytes?: number;
  /** Limit after gunzip (default 32 MiB). */
  maxDecompressedBytes?: number;
  /** Concurrent requests being decoded; beyond it: 429 (default 32). */
  maxInFlight?: number;
  /** True while the process should shed load (e.g. flushes failing and the aggregator full): 503. */
  isOverloaded?: () => boolean;
  retryAfterSeconds?: number;
  onIngest?: (signal: Signal, tenant: string, accepted: number, rejected: number) => void;
}

export function otlpRoutes(deps: OtlpReceiverDeps): HttpRoute[] {
  const maxBody = deps.maxBodyBytes ?? 4 * 1024 * 1024;
  const maxDecompressed = deps.maxDecompressedBytes ?? 32 * 1024 * 1024;
  const maxInFlight = deps.maxInFlight ?? 32;
  const retryAfter = String(deps.retryAfterSeconds ?? 5);
  const logger = deps.logger.child({ component: 'otlp' });
  let inFlight = 0;

  function status(http: number, encoding: Encoding, code: number, message: string, headers: Record<string, string> = {}): HttpResponse {
    if (encoding === 'json') return { status: http, headers: { 'content-type': 'application/json', ...headers }, body: { code, message } };
    return { status: http, headers: { 'content-type': 'application/x-protobuf', ...headers }, body: Buffer.from(StatusType.encode({ code, message }).finish()) };
  }

  function ingest(signal: Signal, tenant: string, body: Buffer, encoding: Encoding): { accepted: number; rejected: number; message: string } {
    if (signal === 'traces') {
      const req = decodeRequest('traces', body, encoding);
      const out = deps.spans.addTraces(tenant, req);
      deps.capsules.addSpanEvents(tenant, req);
      return { accepted: out.accepted, rejected: out.rejected, message: out.reasons.join('; ') };
    }
    if (signal === 'logs') {
      const out = deps.capsules.addLogs(tenant, decodeRequest('logs', body, encoding));
      return { accepted: out.accepted, rejected: out.rejected, message: out.reasons.join('; ') };
    }
    const points = countDataPoints(decodeRequest('metrics', body, encoding));
    // Metrics are validated and acknowledged but not stored: SLIs come from spans (see docs/intake.md).
    return { accepted: 0, rejected: points, message: points > 0 ? 'metrics are not stored by SLO-Scout; send traces (spans) for latency and error SLIs' : '' };
  }

  const route = (signal: Signal, path: string): HttpRoute => ({
    method: 'POST',
    path,
    maxBodyBytes: maxBody,
    async handle(req: HttpRequest): Promise<HttpResponse> {
      let encoding: Encoding;
      try {
        encoding = encodingOf(req.headers['content-type']);
      } catch (err) {
        return status(415, 'json', GRPC.INVALID_ARGUMENT, (err as Error).message);
      }
      const tenant = tenantFor(deps.tokens, req.headers.authorization);
      if (!tenant) return status(401, encoding, GRPC.UNAUTHENTICATED, 'missing or unknown bearer token: set the exporter header "Authorization: Bearer <token>" to a token from OTLP_TOKENS');
      if (req.rawBody.length > maxBody) return status(413, encoding, GRPC.INVALID_ARGUMENT, `body of ${req.rawBody.length} bytes exceeds ${maxBody}: send smaller batches`);
      if (deps.isOverloaded?.()) return status(503, encoding, GRPC.UNAVAILABLE, 'receiver is shedding load while the store catches up; retry later', { 'retry-after': retryAfter });
      if (inFlight >= maxInFlight) return status(429, encoding, GRPC.RESOURCE_EXHAUSTED, `more than ${maxInFlight} requests in flight; retry later`, { 'retry-after': retryAfter });
      inFlight++;
      try {
        const body = decompress(req.rawBody, req.headers['content-encoding'], maxDecompressed);
        const { accepted, rejected, message } = ingest(signal, tenant, body, encoding);
        deps.onIngest?.(signal, tenant, accepted, rejected);
        const payload = encodeResponse(signal, encoding, rejected, message);
        return { status: 200, headers: { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-protobuf' }, body: payload };
      } catch (err) {
        if (err instanceof OtlpDecodeError) {
          logger.info({ tenant, signal, reason: err.message }, 'rejected OTLP request');
          return status(err.status, encoding, GRPC.INVALID_ARGUMENT, err.message);
        }
        logger.error({ tenant, signal, err }, 'OTLP request failed');
        return status(503, encoding, GRPC.UNAVAILABLE, 'internal error while ingesting; retry later', { 'retry-after': retryAfter });
      } finally {
        inFlight--;
      }
    },
  });

  return [route('traces', '/v1/traces'), route('logs', '/v1/logs'), route('metrics', '/v1/metrics')];
}

/** Data points in a metrics request (each metric type keeps them under `dataPoints`). */
function countDataPoints(req: MetricsRequest): number {
  let n = 0;
  for (const rm of req.resourceMetrics ?? []) {
    for (const sm of rm.scopeMetrics ?? []) {
      for (const metric of sm.metrics ?? []) {
        for (const kind of ['gauge', 'sum', 'histogram', 'exponentialHistogram', 'summary']) {
          const points = (metric[kind] as { dataPoints?: unknown[] } | null | undefined)?.dataPoints;
          if (points) n += points.length;
        }
      }
    }
  }
  return n;
}
