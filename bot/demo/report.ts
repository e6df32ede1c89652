// The demo's report, read from the database only (the world's own bookkeeping is not trusted for
// numbers): per post the delivery log and coverage, roll-ups by county and school, reminders; plus
// the faults the world injected (throttle windows and when the account resumed).
import type pg from 'pg';
import type { ThrottleRecord } from './world.ts';

export interface PostReport {
  code: string;
  source: string;
  kind: string;
  title: string;
  urgent: boolean;
  groups: { planned: number; sent: number; failed: number; unknown: number; skipped: number; pending: number };
  members: number;
  confirmed: number;
  /** confirmed / members over sent deliveries, 0..1 (null when nothing was sent). */
  coverage: number | null;
}

export interface UnitReport {
  unit: string;
  kind: string;
  county: string | null;
  groups: number;
  deliveries: number;
  members: number;
  confirmed: number;
  coverage: number | null;
}

export interface DemoReport {
  scenario: string;
  start: string;
  end: string;
  wallSeconds: number;
  accounts: { name: string; sent: number }[];
  groups: { total: number; active: number; left: number; paused: number; ambiguous: number };
  posts: PostReport[];
  counties: UnitReport[];
  schools: UnitReport[];
  city: { members: number; confirmed: number; coverage: number | null };
  throttles: { account: string; from: string; until: string; refused: number; resumedAt: string | null }[];
  reminders: { total: number; groups: number; byPost: { code: string; reminders: number }[] };
  world: { memberReplies: number; roomSends: number; refusedToRemovedGroup: number };
}

const ratio = (c: number, m: number) => (m > 0 ? Math.round((c / m) * 10_000) / 10_000 : null);

/**
 * Coverage of one delivery: confirmations recorded for (post, group), against members at send.
 * Both come from the ledger's own tables; the SQL is the definition the e2e test checks.
 */
const DELIVERY_COVERAGE = `
  SELECT d.post_id, d.group_id, d.status::text AS status, d.bot_account_id,
         COALESCE(d.members_at_send, 0) AS members,
         (SELECT count(*) FROM confirmation c WHERE c.post_id = d.post_id AND c.group_id = d.group_id)::int AS confirmed
    FROM delivery d`;

/** Builds the report from the database. */
export async function buildReport(
  pool: pg.Pool,
  meta: { scenario: string; start: Date; end: Date; wallSeconds: number; throttles: ThrottleRecord[]; world: DemoReport['world'] },
): Promise<DemoReport> {
  const posts = await pool.query<{
    code: string; source: string; kind: string; title: string; urgent: boolean;
    planned: number; sent: number; failed: number; unknown: number; skipped: number; pending: number; members: number; confirmed: number;
  }>(`
    WITH dc AS (${DELIVERY_COVERAGE})
    SELECT p.code, s.name AS source, p.kind::text AS kind, p.title, p.urgent,
           count(dc.post_id)::int AS planned,
           count(*) FILTER (WHERE dc.status = 'sent')::int AS sent,
           count(*) FILTER (WHERE dc.status = 'failed')::int AS failed,
           count(*) FILTER (WHERE dc.status = 'unknown')::int AS unknown,
           count(*) FILTER (WHERE dc.status = 'skipped')::int AS skipped,
           count(*) FILTER (WHERE dc.status IN ('pending', 'sending'))::int AS pending,
           COALESCE(sum(dc.members) FILTER (WHERE dc.status = 'sent'), 0)::int AS members,
           COALESCE(sum(dc.confirmed) FILTER (WHERE dc.status = 'sent'), 0)::int AS confirmed
      FROM post p JOIN source s ON s.id = p.source_id
      LEFT JOIN dc ON dc.post_id = p.id
     GROUP BY p.id, s.name ORDER BY p.id`);

  const units = await pool.query<{ id: number; name: string; kind: string; county: string | null; groups: number; deliveries: number; members: number; confirmed: number }>(`
    WITH dc AS (${DELIVERY_COVERAGE}),
    per_unit AS (
      SELECT g.org_unit_id, count(DISTINCT g.id)::int AS groups,
             count(dc.post_id) FILTER (WHERE dc.status = 'sent')::int AS deliveries,
             COALESCE(sum(dc.members) FILTER (WHERE dc.status = 'sent'), 0)::int AS members,
             COALESCE(sum(dc.confirmed) FILTER (WHERE dc.status = 'sent'), 0)::int AS confirmed
        FROM chat_group g LEFT JOIN dc ON dc.group_id = g.id
       GROUP BY g.org_unit_id)
    SELECT u.id, u.name, u.kind::text AS kind, c.name AS county,
           COALESCE(pu.groups, 0) AS groups, COALESCE(pu.deliveries, 0) AS deliveries,
           COALESCE(pu.members, 0) AS members, COALESCE(pu.confirmed, 0) AS confirmed
      FROM org_unit u LEFT JOIN org_unit c ON c.id = u.county_id
      LEFT JOIN per_unit pu ON pu.org_unit_id = u.id
     ORDER BY u.id`);

  const schools: UnitReport[] = units.rows
    .filter((u) => u.kind === 'school' && u.groups > 0)
    .map((u) => ({ unit: u.name, kind: u.kind, county: u.county, groups: u.groups, deliveries: u.deliveries, members: u.members, confirmed: u.confirmed, coverage: ratio(u.confirmed, u.members) }));
  // A county's figure is the sum over every unit in it (schools and the county bureau's own groups).
  const counties: UnitReport[] = units.rows
    .filter((u) => u.kind === 'county')
    .map((c) => {
      const inside = units.rows.filter((u) => u.county === c.name);
      const sum = (k: 'groups' | 'deliveries' | 'members' | 'confirmed') => inside.reduce((a, u) => a + u[k], 0);
      return { unit: c.name, kind: c.kind, county: c.name, groups: sum('groups'), deliveries: sum('deliveries'), members: sum('members'), confirmed: sum('confirmed'), coverage: ratio(sum('confirmed'), sum('members')) };
    })
    .filter((c) => c.groups > 0);

  const groups = await pool.query<{ status: string; n: number }>(`SELECT status::text AS status, count(*)::int AS n FROM chat_group GROUP BY status`);
  const gs = Object.fromEntries(groups.rows.map((r) => [r.status, r.n])) as Record<string, number>;
  const accounts = await pool.query<{ name: string; sent: number }>(`
    SELECT a.name, count(d.id) FILTER (WHERE d.status = 'sent')::int AS sent
      FROM bot_account a LEFT JOIN delivery d ON d.bot_account_id = a.id GROUP BY a.id ORDER BY a.name`);
  const reminders = await pool.query<{ code: string; n: number; groups: number }>(`
    SELECT p.code, count(*)::int AS n, count(DISTINCT r.group_id)::int AS groups
      FROM reminder r JOIN post p ON p.id = r.post_id GROUP BY p.id ORDER BY p.id`);
  const reminderGroups = await pool.query<{ n: number }>(`SELECT count(DISTINCT group_id)::int AS n FROM reminder`);

  const postReports: PostReport[] = posts.rows.map((p) => ({
    code: p.code, source: p.source, kind: p.kind, title: p.title, urgent: p.urgent,
    groups: { planned: p.planned, sent: p.sent, failed: p.failed, unknown: p.unknown, skipped: p.skipped, pending: p.pending },
    members: p.members, confirmed: p.confirmed, coverage: ratio(p.confirmed, p.members),
  }));
  const cityMembers = postReports.reduce((a, p) => a + p.members, 0);
  const cityConfirmed = postReports.reduce((a, p) => a + p.confirmed, 0);
  return {
    scenario: meta.scenario,
    start: meta.start.toISOString(),
    end: meta.end.toISOString(),
    wallSeconds: meta.wallSeconds,
    accounts: accounts.rows,
    groups: {
      total: Object.values(gs).reduce((a, n) => a + n, 0),
      active: gs.active ?? 0, left: gs.left ?? 0, paused: gs.paused ?? 0, ambiguous: gs.ambiguous ?? 0,
    },
    posts: postReports,
    counties,
    schools,
    city: { members: cityMembers, confirmed: cityConfirmed, coverage: ratio(cityConfirmed, cityMembers) },
    throttles: meta.throttles.map((t) => ({ account: t.account, from: t.from.toISOString(), until: t.until.toISOString(), refused: t.refused, resumedAt: t.resumedAt?.toISOString() ?? null })),
    reminders: { total: reminders.rows.reduce((a, r) => a + r.n, 0), groups: reminderGroups.rows[0]?.n ?? 0, byPost: reminders.rows.map((r) => ({ code: r.code, reminders: r.n })) },
    world: meta.world,
  };
}
