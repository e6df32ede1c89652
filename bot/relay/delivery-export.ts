// The delivery list as the bureau downloads it (CSV / XLSX): the sends of one post that did not
// go out or whose outcome is unknown, with the reason in words and the raw error beside it.
// Unit names and group topics only — no names of people.
import type pg from 'pg';
import { dateTime, DEFAULT_TIME_ZONE } from '../core/time.ts';
import { list, t } from '../i18n.ts';
import { tablesXlsx, toCsv } from '../reports/export.ts';
import { scopeSql, type UnitScope } from '../reports/queries.ts';

export const EXPORT_STATUSES = ['failed', 'unknown', 'skipped'] as const;
export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'unknown' | 'skipped';

export interface ExportRow {
  code: string;
  title: string;
  status: DeliveryStatus;
  error: string | null;
  group: string;
  groupKind: string;
  className: string | null;
  unit: string;
  county: string | null;
  account: string;
  attempts: number;
  dueAt: Date;
  sentAt: Date | null;
}

/** Rows of one post with the given statuses (default failed, unknown, skipped) in the scope. */
export async function deliveryListRows(
  pool: pg.Pool,
  o: { postId: number; statuses?: readonly string[]; scope?: UnitScope; limit?: number },
): Promise<ExportRow[]> {
  const params: unknown[] = [o.postId, o.statuses ?? EXPORT_STATUSES];
  const where = `d.post_id = $1 AND d.status::text = ANY($2::text[])${scopeSql(o.scope, params)}`;
  const { rows } = await pool.query(
    `SELECT p.code, p.title, d.status::text AS status, d.error, g.topic, g.kind::text AS group_kind, g.class_name,
            u.name AS unit, c.name AS county, b.name AS account, d.attempts, d.due_at, d.sent_at
       FROM delivery d
       JOIN post p ON p.id = d.post_id
       JOIN chat_group g ON g.id = d.group_id
       JOIN org_unit u ON u.id = g.org_unit_id
       LEFT JOIN org_unit c ON c.id = u.county_id
       JOIN bot_account b ON b.id = d.bot_account_id
      WHERE ${where}
      ORDER BY CASE d.status WHEN 'failed' THEN 0 WHEN 'unknown' THEN 1 WHEN 'skipped' THEN 2 ELSE 3 END, c.name, u.name, g.topic
      LIMIT ${Math.max(1, Math.min(o.limit ?? 100_000, 100_000))}`,
    params,
  );
  return rows.map((r) => ({
    code: r.code, title: r.title, status: r.status, error: r.error, group: r.topic, groupKind: r.group_kind, className: r.class_name,
    unit: r.unit, county: r.county, account: r.account, attempts: r.attempts, dueAt: r.due_at, sentAt: r.sent_at,
  }));
}

/** The reason of a row in words (content/locales/zh-CN/bureau.yml), from its status and raw error. */
export function reasonKey(status: string, error: string | null): string {
  const e = (error ?? '').toLowerCase();
  if (status === 'unknown') return 'unknown';
  if (e.includes('auto-forward is off')) return 'auto_forward_off';
  if (/group paused/.test(e)) return 'paused';
  if (/group left/.test(e)) return 'left';
  if (/group ambiguous/.test(e)) return 'ambiguous';
  if (e.includes('no relay window')) return 'no_window';
  if (/1205|throttl|频繁/.test(e)) return 'throttled';
  if (/1204|bad target|unknown room|not found/.test(e)) return 'bad_target';
  if (/unsupported/.test(e)) return 'refused';
  return 'other';
}

/** Local "YYYY-MM-DD HH:MM" in `tz`. */
export function localMinute(d: Date | null, tz: string): string {
  if (!d) return '';
  return dateTime(d, tz).slice(0, 16);
}

/** Header and body of the list (shared by CSV and XLSX). */
export function deliveryListTable(rows: ExportRow[], tz = DEFAULT_TIME_ZONE): { header: string[]; body: (string | number)[][] } {
  const header = list('bureau.delivery_export.header');
  const body = rows.map((r) => [
    r.code, r.title, t(`bureau.delivery_export.status.${r.status}`), t(`bureau.delivery_export.reason.${reasonKey(r.status, r.error)}`), r.error ?? '',
    r.group, t(`bureau.delivery_export.kind.${r.groupKind}`), r.className ?? '', r.unit, r.county ?? '', r.account, r.attempts,
    localMinute(r.dueAt, tz), localMinute(r.sentAt, tz),
  ]);
  return { header, body };
}

/** The list as CSV (UTF-8 with BOM) and XLSX. */
export async function deliveryListFile(rows: ExportRow[], format: 'csv' | 'xlsx', o: { title: string; tz?: string }): Promise<Buffer | string> {
  const { header, body } = deliveryListTable(rows, o.tz);
  if (format === 'csv') return toCsv(header, body);
  return tablesXlsx([{ name: t('bureau.delivery_export.sheet'), header, body, title: o.title }]);
}
