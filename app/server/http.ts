/**
 * Framework-neutral HTTP routes. Every extra route of `slo-scout serve` (OTLP, Slack, GitLab,
 * PagerDuty, Alertmanager, health, metrics) is an HttpRoute; server.ts mounts them, reads the
 * raw body (needed for signature checks) and enforces `maxBodyBytes` with a 413 before calling.
 */
export interface HttpRequest {
  method: string;
  /** Path without the query string, e.g. "/v1/traces". */
  path: string;
  /** Header names lower-cased. */
  headers: Record<string, string | undefined>;
  query: URLSearchParams;
  rawBody: Buffer;
  /** Remote address, for logs and rate limits. */
  remoteAddress?: string;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: string | Buffer | object;
}

export interface HttpRoute {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  /** Requests over this size are answered 413 without calling `handle` (default 1 MiB). */
  maxBodyBytes?: number;
  handle(req: HttpRequest): Promise<HttpResponse>;
  /**
   * Work the route still does after answering (a Slack decision taken after its ack): awaited on
   * shutdown after the server stopped listening and before the queues and the pool close.
   */
  drain?(): Promise<void>;
}

/** JSON error body used by every route: what went wrong and how to fix it. */
export function errorResponse(status: number, message: string, extra: Record<string, unknown> = {}): HttpResponse {
  return { status, body: { error: message, ...extra } };
}
