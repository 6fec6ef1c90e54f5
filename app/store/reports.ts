/** Last analysis report per repo and the variant choices reviewers made. */
import { Report, type VariantType } from '../core/report.js';
import type { Pool } from './db.js';

export type PlatformKind = 'github' | 'gitlab';

export class ReportStore {
  constructor(private readonly pool: Pool) {}

  async save(platform: PlatformKind, repo: string, report: Report): Promise<void> {
    await this.pool.query('INSERT INTO slo_reports (platform, repo, report) VALUES ($1, $2, $3)', [platform, repo, JSON.stringify(report)]);
  }

  /** The newest report, parsed (a row written by an older version that no longer parses counts as none). */
  async latest(platform: PlatformKind, repo: string): Promise<Report | null> {
    const { rows } = await this.pool.query<{ report: unknown }>('SELECT report FROM slo_reports WHERE platform = $1 AND repo = $2 ORDER BY created_at DESC, id DESC LIMIT 1', [platform, repo]);
    if (!rows[0]) return null;
    const parsed = Report.safeParse(rows[0].report);
    return parsed.success ? parsed.data : null;
  }

  async setVariant(platform: PlatformKind, repo: string, sloId: string, variant: VariantType, setBy: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO slo_variant_overrides (platform, repo, slo_id, variant, set_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (platform, repo, slo_id) DO UPDATE SET variant = EXCLUDED.variant, set_by = EXCLUDED.set_by, set_at = now()`,
      [platform, repo, sloId, variant, setBy],
    );
  }

  /** slo id ('*' for all) -> variant. */
  async variants(platform: PlatformKind, repo: string): Promise<Record<string, VariantType>> {
    const { rows } = await this.pool.query<{ slo_id: string; variant: VariantType }>('SELECT slo_id, variant FROM slo_variant_overrides WHERE platform = $1 AND repo = $2', [platform, repo]);
    return Object.fromEntries(rows.map((r) => [r.slo_id, r.variant]));
  }
}
