/**
 * Alertmanager events (firing / resolved), linked to a service. A redelivered notification (same
 * fingerprint, status and start) is stored once.
 */
import type { Pool } from './db.js';

export interface AlertEvent {
  tenant: string;
  fingerprint: string;
  status: 'firing' | 'resolved';
  alertname: string;
  service: string | null;
  slo: string | null;
  severity: string | null;
  /** unix seconds */
  startsAt: number;
  endsAt: number | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  generatorUrl: string | null;
}

export interface AlertEventStore {
  /** Returns how many events were new. */
  record(events: AlertEvent[]): Promise<number>;
  list(q: { tenant?: string; service?: string; from: number; to: number; limit?: number }): Promise<AlertEvent[]>;
}

const iso = (s: number) => new Date(s * 1000).toISOString();

export class PgAlertEventStore implements AlertEventStore {
  constructor(private readonly pool: Pool) {}

  async record(events: AlertEvent[]): Promise<number> {
    if (events.length === 0) return 0;
    const r = await this.pool.query(
      `INSERT INTO telemetry_alert_events (tenant, fingerprint, status, alertname, service, slo, severity, starts_at, ends_at, labels, annotations, generator_url)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::timestamptz[], $9::timestamptz[], $10::jsonb[], $11::jsonb[], $12::text[])
       ON CONFLICT (tenant, fingerprint, status, starts_at) DO NOTHING`,
      [events.map((e) => e.tenant), events.map((e) => e.fingerprint), events.map((e) => e.status), events.map((e) => e.alertname),
        events.map((e) => e.service), events.map((e) => e.slo), events.map((e) => e.severity), events.map((e) => iso(e.startsAt)),
        events.map((e) => (e.endsAt === null ? null : iso(e.endsAt))), events.map((e) => JSON.stringify(e.labels)),
        events.map((e) => JSON.stringify(e.annotations)), events.map((e) => e.generatorUrl)],
    );
    return r.rowCount ?? 0;
  }

  async list(q: { tenant?: string; service?: string; from: number; to: number; limit?: number }): Promise<AlertEvent[]> {
    const { rows } = await this.pool.query<{ tenant: string; fingerprint: string; status: 'firing' | 'resolved'; alertname: string; service: string | null; slo: string | null; severity: string | null; starts_at: Date; ends_at: Date | null; labels: Record<string, string>; annotations: Record<string, string>; generator_url: string | null }>(
      `SELECT * FROM telemetry_alert_events
       WHERE starts_at >= $1 AND starts_at < $2 AND ($3::text IS NULL OR tenant = $3) AND ($4::text IS NULL OR service = $4)
       ORDER BY starts_at DESC, id DESC LIMIT $5`,
      [iso(q.from), iso(q.to), q.tenant ?? null, q.service ?? null, q.limit ?? 100],
    );
    return rows.map((r) => ({
      tenant: r.tenant, fingerprint: r.fingerprint, status: r.status, alertname: r.alertname, service: r.service, slo: r.slo, severity: r.severity,
      startsAt: r.starts_at.getTime() / 1000, endsAt: r.ends_at ? r.ends_at.getTime() / 1000 : null, labels: r.labels, annotations: r.annotations, generatorUrl: r.generator_url,
    }));
  }
}
