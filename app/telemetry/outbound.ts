/**
 * Where the worker may send requests on behalf of a repository's config (datasource, Tempo and
 * Grafana URLs). The URL comes from whoever can push to the repository, the network position and
 * the credentials are the operator's: without a guard a config could reach cloud metadata
 * (169.254.169.254), the cluster's internal services, or ship a datasource token to any host.
 *
 * The check runs on the resolved address at connect time (a custom `lookup` and connector on the
 * undici agent), so a name that resolves to a public address when checked and to 169.254.169.254
 * when connecting (DNS rebinding) is still refused. Redirects are never followed: a redirect to
 * an internal address would bypass the list, and datasource APIs do not need them.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';

type Addr = ipaddr.IPv4 | ipaddr.IPv6;

export interface OutboundPolicy {
  /** The CLI on the user's own machine and config (`--trust-config`): no address checks. */
  any: boolean;
  /**
   * Loopback and private ranges are open (the CLI next to a local Prometheus). Link-local and
   * metadata stay refused: a config run in CI must not read the runner's cloud credentials.
   */
  privateOk?: boolean;
  /** Host names, exact (`prometheus.internal`) or a suffix (`*.svc.cluster.local`); lower case. */
  hosts: string[];
  /** Explicit address ranges. Only these unlock link-local / metadata addresses. */
  cidrs: Array<[Addr, number]>;
}

export class OutboundRefusedError extends Error {
  readonly code = 'SLO_SCOUT_OUTBOUND_REFUSED';
}

export class AllowedHostsError extends Error {}

const HOST = /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$/;

/** SLO_SCOUT_ALLOWED_HOSTS: comma-separated host names, `*.suffix` patterns, IP addresses and CIDRs. */
export function parseAllowedHosts(text: string | undefined): OutboundPolicy {
  const policy: OutboundPolicy = { any: false, hosts: [], cidrs: [] };
  for (const raw of (text ?? '').split(/[,\s]+/)) {
    const entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry.includes('://')) throw new AllowedHostsError(`SLO_SCOUT_ALLOWED_HOSTS: "${entry}" is a URL; list host names, *.suffix, IP addresses or CIDRs (no scheme or port: write prometheus.internal, not http://prometheus.internal:9090)`);
    if (entry.includes('/')) {
      try {
        policy.cidrs.push(ipaddr.parseCIDR(entry));
      } catch {
        throw new AllowedHostsError(`SLO_SCOUT_ALLOWED_HOSTS: "${entry}" is not a CIDR range (e.g. 10.20.0.0/16 or fd12::/64)`);
      }
    } else if (ipaddr.isValid(entry.replace(/^\[|\]$/g, ''))) {
      const ip = ipaddr.parse(entry.replace(/^\[|\]$/g, ''));
      policy.cidrs.push([ip, ip.kind() === 'ipv4' ? 32 : 128]);
    } else if (HOST.test(entry)) {
      policy.hosts.push(entry);
    } else {
      throw new AllowedHostsError(`SLO_SCOUT_ALLOWED_HOSTS: "${entry}" is not a host name, *.suffix, IP address or CIDR (no scheme or port: write prometheus.internal, not http://prometheus.internal:9090)`);
    }
  }
  return policy;
}

export const TRUSTED_OUTBOUND: OutboundPolicy = { any: true, hosts: [], cidrs: [] };

/** Cloud metadata endpoints outside 169.254.0.0/16 and fe80::/10 (AWS IPv6 IMDS, Alibaba Cloud). */
const METADATA = new Set(['fd00:ec2::254', '100.100.100.200']);
/** Never a datasource: link-local (metadata lives here), unspecified, broadcast, multicast, reserved. */
const ALWAYS_REFUSED = new Set(['linkLocal', 'unspecified', 'broadcast', 'multicast', 'reserved']);

export function hostListed(policy: OutboundPolicy, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return policy.hosts.some((p) => (p.startsWith('*.') ? h.endsWith(p.slice(1)) : h === p));
}

function inCidrs(policy: OutboundPolicy, ip: Addr): boolean {
  return policy.cidrs.some(([net, bits]) => ip.kind() === net.kind() && ip.match(net, bits));
}

const HOW = 'add it to SLO_SCOUT_ALLOWED_HOSTS on the worker (host names, *.suffix or CIDRs) if it really is a datasource';

/**
 * Why `address` (what `host` resolved to) may not be contacted, or null when it may.
 * Link-local and metadata need an explicit CIDR; loopback and private ranges need the host name
 * or a CIDR on the list; public addresses are open while the list is empty, closed once it is set.
 */
export function refusal(policy: OutboundPolicy, host: string, address: string): string | null {
  if (policy.any) return null;
  let ip: Addr;
  try {
    ip = ipaddr.process(address); // ::ffff:169.254.169.254 is checked as 169.254.169.254
  } catch {
    return `${host} resolved to "${address}", which is not an IP address`;
  }
  if (inCidrs(policy, ip)) return null;
  const range = ip.range();
  const shown = host === address ? address : `${host} (${address})`;
  if (METADATA.has(ip.toNormalizedString()) || METADATA.has(ip.toString()) || ALWAYS_REFUSED.has(range)) {
    return `${shown} is a link-local or cloud-metadata address, which SLO-Scout never contacts for a repository's config unless its exact range is in SLO_SCOUT_ALLOWED_HOSTS`;
  }
  if (hostListed(policy, host)) return null;
  const listed = policy.hosts.length > 0 || policy.cidrs.length > 0;
  if (policy.privateOk && !listed) return null;
  if (range !== 'unicast') return `${shown} is a ${range} address, refused unless allowed: ${HOW}`;
  if (listed) return `${shown} is not in SLO_SCOUT_ALLOWED_HOSTS: ${HOW}`;
  return null;
}

/** The check that needs no DNS: scheme, IP-literal hosts, and names when only names are listed. */
export function urlRefusal(policy: OutboundPolicy, url: string): string | null {
  if (policy.any) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return `"${url}" is not a URL`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `${url}: only http and https URLs are allowed`;
  if (u.username || u.password) return `${u.host}: credentials in the URL are not allowed; use auth with { env: VAR } instead`;
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host)) return refusal(policy, host, host);
  // Names are resolved at connect time; refuse early only when nothing could let this name through.
  if (policy.hosts.length && !policy.cidrs.length && !hostListed(policy, host)) return `${host} is not in SLO_SCOUT_ALLOWED_HOSTS: ${HOW}`;
  return null;
}

type Resolver = (hostname: string, cb: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;
const systemResolver: Resolver = (hostname, cb) => dnsLookup(hostname, { all: true }, cb);

/** A `lookup` for net.connect that refuses the connection when any resolved address is refused. */
export function guardedLookup(policy: OutboundPolicy, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const wanted = addresses.filter((a) => !options.family || a.family === options.family);
      const bad = wanted.map((a) => refusal(policy, hostname, a.address)).find((r) => r !== null);
      if (bad) return callback(new OutboundRefusedError(`refused to connect: ${bad}`), '', 0);
      if (!wanted.length) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, wanted);
      return callback(null, wanted[0]!.address, wanted[0]!.family);
    });
  };
}

export interface GuardedFetchOptions {
  /** For tests: resolve names without the system resolver. */
  resolve?: Resolver;
}

/**
 * fetch for repository-driven requests: every connection goes through `guardedLookup` (and IP
 * literals through the same `refusal`), redirects are answered, never followed.
 */
export function guardedFetch(policy: OutboundPolicy, options: GuardedFetchOptions = {}): typeof fetch {
  const lookup = guardedLookup(policy, options.resolve);
  const base = buildConnector({ lookup } as buildConnector.BuildOptions);
  const dispatcher = new Agent({
    connect: (opts, cb) => {
      // net.connect skips `lookup` for IP literals, so they are checked here.
      const host = opts.hostname.replace(/^\[|\]$/g, '');
      const why = ipaddr.isValid(host) ? refusal(policy, host, host) : null;
      if (why) return cb(new OutboundRefusedError(`refused to connect: ${why}`), null);
      return base(opts, cb);
    },
  });
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const early = urlRefusal(policy, url);
    if (early) throw new OutboundRefusedError(`refused to request ${url}: ${early}`);
    let res: Response;
    try {
      res = await undiciFetch(url, { ...(init as object), redirect: 'manual', dispatcher } as Parameters<typeof undiciFetch>[1]) as unknown as Response;
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      if (cause instanceof OutboundRefusedError) throw cause;
      throw err;
    }
    if (res.status >= 300 && res.status < 400) {
      await res.body?.cancel().catch(() => undefined);
      throw new OutboundRefusedError(`${url} answered HTTP ${res.status} redirecting to ${res.headers.get('location') ?? '(no Location)'}; SLO-Scout does not follow redirects for datasources: put the final URL in .slo-scout.yml`);
    }
    return res;
  };
  return guarded as typeof fetch;
}

export class ResponseTooLargeError extends Error {}

/**
 * The body as text, read as a stream and cancelled as soon as it passes `maxBytes` (an endless
 * reply once grew a worker to 18.9 GB before the timeout fired).
 */
export async function readCappedText(res: Response, maxBytes: number, what: string): Promise<string> {
  const tooLarge = () => new ResponseTooLargeError(`the reply to ${what} is larger than ${maxBytes} bytes (the cap for one response): narrow the query (fewer services, a shorter window) or raise SLO_SCOUT_MAX_RESPONSE_BYTES`);
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge();
  }
  if (!res.body) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let total = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}
