// The demo's report, read from the database only (the world's own bookkeeping is not trusted for
// numbers): per post the delivery log and coverage, roll-ups by county and school, reminders; plus
// the faults the world injected (throttle windows and when the account resumed). Coverage comes from
// the ledger's coverage model, so the demo shows the numbers the bureau would see.
import type pg from 'pg';
import { coverageInWindow, postsCoverage, type CoverageRow } from '../ledger/coverage.ts';
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
  /** Sent deliveries whose member count was unknown (not in members or coverage). */
  groupsUnknownSize: number;
  /** Owners and school staff present in parent groups at send (not counted as families). */
  staff: number;
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
  groupsUnknownSize: number;
  staff: number;
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
  city: { members: number; confirmed: number; coverage: number | null; groupsUnknownSize: number; staff: number };
  throttles: { account: string; from: string; until: string; refused: number; resumedAt: string | null }[];
  reminders: { total: number; groups: number; byPost: { code: string; reminders: number }[] };
  world: { memberReplies: number; roomSends: number; refusedToRemovedGroup: number };
}

const ratio = (p: number | null) => (p === null ? null : Math.round(p * 100) / 10_000);

// Every post captured in the demo's world (the window only bounds the query).
const ALL_TIME = { from: new Date(0), to: new Date(Date.UTC(9999, 0)) };

function unitReport(r: CoverageRow, kind: string): UnitReport {
  return {
    unit: r.name, kind, county: r.county, groups: r.groups, deliveries: r.deliveries, members: r.members, confirmed: r.confirmed,
    coverage: ratio(r.pct), groupsUnknownSize: r.groupsUnknownSize, staff: r.staff,
  };
}

/** Builds the report from the database, with the ledger's one coverage model (bot/ledger/coverage.ts). */
export async function buildReport(
  pool: pg.Pool,
  meta: { scenario: string; start: Date; end: Date; wallSeconds: number; throttles: ThrottleRecord[]; world: DemoReport['world'] },
): Promise<DemoReport> {
  const posts = await pool.query<{ id: number; code: string; source: string; kind: string; title: string; urgent: boolean; planned: number; skipped: number }>(`
    SELECT p.id, p.code, s.name AS source, p.kind::text AS kind, p.title, p.urgent,
           (SELECT count(*) FROM delivery d WHERE d.post_id = p.id)::int AS planned,
           (SELECT count(*) FROM delivery d WHERE d.post_id = p.id AND d.status = 'skipped')::int AS skipped
      FROM post p JOIN source s ON s.id = p.source_id ORDER BY p.id`);
  const coverage = await postsCoverage(pool, posts.rows.map((p) => p.id));
  const [bySchool, byCounty] = await Promise.all([
    coverageInWindow(pool, { window: ALL_TIME, by: 'school' }),
    coverageInWindow(pool, { window: ALL_TIME, by: 'county' }),
  ]);
  const schoolUnits = new Set((await pool.query<{ id: number }>(`SELECT id FROM org_unit WHERE kind = 'school'`)).rows.map((r) => r.id));
  const schools = bySchool.rows.filter((r) => r.id !== null && schoolUnits.has(r.id)).map((r) => unitReport(r, 'school'));
  // A county's figure covers every unit in it (schools and the county bureau's own groups).
  const counties = byCounty.rows.filter((r) => r.id !== null).map((r) => unitReport({ ...r, county: r.name }, 'county'));

  const groups = await pool.query<{ status: string; n: number }>(`SELECT status::text AS status, count(*)::int AS n FROM chat_group GROUP BY status`);
  const gs = Object.fromEntries(groups.rows.map((r) => [r.status, r.n])) as Record<string, number>;
  const accounts = await pool.query<{ name: string; sent: number }>(`
    SELECT a.name, count(d.id) FILTER (WHERE d.status = 'sent')::int AS sent
      FROM bot_account a LEFT JOIN delivery d ON d.bot_account_id = a.id GROUP BY a.id ORDER BY a.name`);
  const reminders = await pool.query<{ code: string; n: number; groups: number }>(`
    SELECT p.code, count(*)::int AS n, count(DISTINCT r.group_id)::int AS groups
      FROM reminder r JOIN post p ON p.id = r.post_id GROUP BY p.id ORDER BY p.id`);
  const reminderGroups = await pool.query<{ n: number }>(`SELECT count(DISTINCT group_id)::int AS n FROM reminder`);

  const postReports: PostReport[] = posts.rows.map((p) => {
    const c = coverage.get(p.id)!;
    return {
      code: p.code, source: p.source, kind: p.kind, title: p.title, urgent: p.urgent,
      groups: { planned: p.planned, sent: c.deliveries, failed: c.failed, unknown: c.unknown, skipped: p.skipped, pending: c.pending },
      members: c.members, confirmed: c.confirmed, coverage: ratio(c.pct), groupsUnknownSize: c.groupsUnknownSize, staff: c.staff,
    };
  });
  const city = bySchool.totals;
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
    city: { members: city.members, confirmed: city.confirmed, coverage: ratio(city.pct), groupsUnknownSize: city.groupsUnknownSize, staff: city.staff },
    throttles: meta.throttles.map((t) => ({ account: t.account, from: t.from.toISOString(), until: t.until.toISOString(), refused: t.refused, resumedAt: t.resumedAt?.toISOString() ?? null })),
    reminders: { total: reminders.rows.reduce((a, r) => a + r.n, 0), groups: reminderGroups.rows[0]?.n ?? 0, byPost: reminders.rows.map((r) => ({ code: r.code, reminders: r.n })) },
    world: meta.world,
  };
}
