/**
 * Log records and span events -> capsules (compact event templates). One Drain miner per
 * tenant+service keeps templates of different services apart; counts are kept per minute and
 * handed to the store at each flush. Raw records are buffered up to a cap for the 7-day raw tier.
 */
import { CapsuleSuccessors, Drain, templateId, type DrainOptions } from '../../core/capsules/index.js';
import { resourceInfo, type IngestOutcome } from './aggregate.js';
import { anyValueToString, attr, idToHex, int64ToNumber, type LogsRequest, type TracesRequest } from './model.js';
import { timeProblem, truncateValue, type TimeWindow } from './limits.js';

/** Log bodies and event texts are cut here before template mining (Drain tokenises the whole line). */
export const MAX_LOG_BODY_LENGTH = 8 * 1024;

export interface CapsuleMinute {
  tenant: string;
  service: string;
  capsuleId: string;
  template: string;
  /** unix seconds, start of minute */
  minute: number;
  count: number;
  /** Highest OTel severity number seen (1..24; span events: 17 = ERROR when an exception, else 9 = INFO). */
  severity: number;
  firstSeen: number;
  lastSeen: number;
  traceIds: string[];
  samples: string[];
}

export interface RawLog {
  tenant: string;
  service: string;
  /** unix seconds (fractional) */
  time: number;
  severity: number;
  body: string;
  traceId: string;
  capsuleId: string;
}

export interface CapsuleIngestOptions {
  drain?: DrainOptions;
  /** Raw lines kept per flush interval for the raw tier (beyond it, only capsules count them). */
  rawLimit?: number;
  exemplarTraces?: number;
  exemplarLines?: number;
  /** Accepted record times (limits.ts); `now` turns the −7 d / +1 h window on. */
  timeWindow?: TimeWindow;
}

const INFO = 9;
const ERROR = 17;

export class CapsuleIngestor {
  private miners = new Map<string, Drain>();
  private minutes = new Map<string, CapsuleMinute>();
  /** A template's id changes when it generalises; old ids point at the new one (issue 15). */
  readonly successors = new CapsuleSuccessors();
  private lastIds = new Map<string, string>();
  private raw: RawLog[] = [];
  private rawDropped = 0;
  private readonly rawLimit: number;
  private readonly exemplarTraces: number;
  private readonly exemplarLines: number;

  constructor(private readonly options: CapsuleIngestOptions = {}) {
    this.rawLimit = options.rawLimit ?? 50_000;
    this.exemplarTraces = options.exemplarTraces ?? 5;
    this.exemplarLines = options.exemplarLines ?? 3;
  }

  addLogs(tenant: string, request: LogsRequest): IngestOutcome {
    const out: IngestOutcome = { accepted: 0, rejected: 0, reasons: [] };
    for (const rl of request.resourceLogs ?? []) {
      const { service } = resourceInfo(rl.resource?.attributes);
      for (const sl of rl.scopeLogs ?? []) {
        for (const rec of sl.logRecords ?? []) {
          const body = anyValueToString(rec.body);
          // time_unix_nano may be 0 ("unknown"); the spec says to use observed_time_unix_nano then.
          const ns = int64ToNumber(rec.timeUnixNano) || int64ToNumber(rec.observedTimeUnixNano);
          if (body === undefined || body.trim() === '') {
            out.rejected++;
            if (out.reasons.length < 5) out.reasons.push('log record without a body');
            continue;
          }
          if (!(ns > 0)) {
            out.rejected++;
            if (out.reasons.length < 5) out.reasons.push('log record without time_unix_nano or observed_time_unix_nano');
            continue;
          }
          const bad = timeProblem(ns / 1e9, this.options.timeWindow ?? {});
          if (bad) {
            out.rejected++;
            if (out.reasons.length < 5) out.reasons.push(`log record: ${bad}`);
            continue;
          }
          this.record(tenant, service, truncateValue(body, MAX_LOG_BODY_LENGTH), ns / 1e9, rec.severityNumber || INFO, idToHex(rec.traceId));
          out.accepted++;
        }
      }
    }
    return out;
  }

  /** Span events (exceptions, retries, cache misses) become capsules of their service. */
  addSpanEvents(tenant: string, request: TracesRequest): void {
    for (const rs of request.resourceSpans ?? []) {
      let service: string | undefined;
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          const events = span.events;
          if (!events || events.length === 0) continue;
          service ??= resourceInfo(rs.resource?.attributes).service;
          for (const ev of events) {
            const ns = int64ToNumber(ev.timeUnixNano) || int64ToNumber(span.endTimeUnixNano);
            // Events outside the accepted window are dropped with their span (limits.ts).
            if (!(ns > 0) || timeProblem(ns / 1e9, this.options.timeWindow ?? {})) continue;
            const type = anyValueToString(attr(ev.attributes, 'exception.type'));
            const message = anyValueToString(attr(ev.attributes, 'exception.message'));
            const text = truncateValue([ev.name || 'event', type, message].filter(Boolean).join(' '), MAX_LOG_BODY_LENGTH);
            this.record(tenant, service, text, ns / 1e9, type || message ? ERROR : INFO, idToHex(span.traceId));
          }
        }
      }
    }
  }

  private record(tenant: string, service: string, text: string, time: number, severity: number, traceId: string): void {
    const minerKey = `${tenant}\u0000${service}`;
    let miner = this.miners.get(minerKey);
    if (!miner) {
      miner = new Drain(this.options.drain);
      this.miners.set(minerKey, miner);
    }
    const cluster = miner.add(text);
    const template = cluster.template;
    const capsuleId = templateId(`${service}\u0000${template}`);
    const clusterKey = `${minerKey}\u0000${cluster.id}`;
    const before = this.lastIds.get(clusterKey);
    if (before !== capsuleId) {
      if (before !== undefined) this.successors.record(before, capsuleId);
      this.lastIds.set(clusterKey, capsuleId);
    }
    const minute = Math.floor(time / 60) * 60;
    const key = `${minerKey}\u0000${cluster.id}\u0000${minute}`;
    let m = this.minutes.get(key);
    if (!m) {
      m = { tenant, service, capsuleId, template, minute, count: 0, severity, firstSeen: time, lastSeen: time, traceIds: [], samples: [] };
      this.minutes.set(key, m);
    }
    // The template may have generalised since this minute started: keep the latest form and id.
    m.template = template;
    m.capsuleId = capsuleId;
    m.count++;
    if (severity > m.severity) m.severity = severity;
    if (time < m.firstSeen) m.firstSeen = time;
    if (time > m.lastSeen) m.lastSeen = time;
    if (traceId && m.traceIds.length < this.exemplarTraces && !m.traceIds.includes(traceId)) m.traceIds.push(traceId);
    if (m.samples.length < this.exemplarLines) m.samples.push(text.slice(0, 2000));
    if (this.raw.length < this.rawLimit) this.raw.push({ tenant, service, time, severity, body: text, traceId, capsuleId });
    else this.rawDropped++;
  }

  get pendingMinutes(): number {
    return this.minutes.size;
  }

  drain(): { capsules: CapsuleMinute[]; raw: RawLog[]; rawDropped: number } {
    const out = { capsules: [...this.minutes.values()], raw: this.raw, rawDropped: this.rawDropped };
    this.minutes = new Map();
    this.raw = [];
    this.rawDropped = 0;
    return out;
  }

  /** Puts capsule counts back after a failed flush (raw lines are best effort and not retried). */
  restore(capsules: CapsuleMinute[]): void {
    for (const c of capsules) {
      const key = `${c.tenant}\u0000${c.service}\u0000restored:${c.capsuleId}\u0000${c.minute}`;
      const cur = this.minutes.get(key);
      if (!cur) this.minutes.set(key, c);
      else cur.count += c.count;
    }
  }
}
