// Readable Chinese progress while the demo runs, and the final report as text. Progress about
// the bot (captures, fan-outs, confirmations, reminders) is read from the database, so it shows
// what the real code did; the world only narrates what the simulated people and faults do.
import { DEFAULT_TIME_ZONE, localParts, pad } from '../core/time.ts';
import type pg from 'pg';
import { hasText, t } from '../i18n.ts';
import type { DemoReport, UnitReport } from './report.ts';
import type { WorldEvent } from './world.ts';

/** A post kind in words (demo.kinds), or the kind itself when it has none. */
const kindWord = (kind: string) => (hasText(`demo.kinds.${kind}`) ? t(`demo.kinds.${kind}`) : kind);

/** "3月2日 09:00" in Beijing time (scenario times are Beijing time). */
export function stamp(d: Date): string {
  const p = localParts(d, DEFAULT_TIME_ZONE);
  return t('demo.stamp', { month: p.month, day: p.day, hour: pad(p.hour), minute: pad(p.minute) });
}

const pct = (v: number | null) => (v === null ? t('demo.report.no_coverage') : `${(v * 100).toFixed(1)}%`);

/** Turns world events into lines. */
export function describeWorldEvent(e: WorldEvent): string | undefined {
  switch (e.type) {
    case 'post_published':
      return e.repeat
        ? t('demo.post_republished', { channel: e.channel, title: e.post.title })
        : t('demo.post_published', { channel: e.channel, kind: kindWord(e.post.kind), title: e.post.title });
    case 'registration':
      return t('demo.registration', { group: e.group, by: e.by, text: e.text });
    case 'throttle_started':
      return t('demo.throttle_started', { account: e.account, until: stamp(e.until) });
    case 'throttle_ended':
      return t('demo.throttle_ended', { account: e.account });
    case 'bot_removed':
      return t('demo.bot_removed', { group: e.group, account: e.account });
    case 'relogin':
      return t('demo.relogin', { account: e.account });
    case 'churn':
      return t('demo.churn', { group: e.group, joined: e.joined, left: e.left });
  }
}

interface Snapshot {
  posts: Set<string>;
  deliveries: Map<string, string>; // code → "sent/planned/failed/unknown/skipped"
  confirmations: number;
  reminders: number;
  groups: number;
}

/** Polls the database and prints what changed since the last poll. */
export function createProgress(pool: pg.Pool, print: (line: string) => void) {
  const last: Snapshot = { posts: new Set(), deliveries: new Map(), confirmations: 0, reminders: 0, groups: 0 };
  return async function poll(): Promise<void> {
    const now = new Date();
    const lines: string[] = [];
    const counts = await pool.query<{ groups: number; confirmations: number; reminders: number }>(`
      SELECT (SELECT count(*) FROM chat_group WHERE kind <> 'source')::int AS groups,
             (SELECT count(*) FROM confirmation)::int AS confirmations,
             (SELECT count(*) FROM reminder)::int AS reminders`);
    const { groups, confirmations, reminders } = counts.rows[0];
    if (groups !== last.groups) {
      last.groups = groups;
      lines.push(t('demo.groups_registered', { n: groups }));
    }
    const posts = await pool.query<{ code: string; title: string; source: string }>(
      `SELECT p.code, p.title, s.name AS source FROM post p JOIN source s ON s.id = p.source_id ORDER BY p.id`,
    );
    for (const p of posts.rows) {
      if (last.posts.has(p.code)) continue;
      last.posts.add(p.code);
      lines.push(t('demo.post_captured', { code: p.code, title: p.title, source: p.source }));
    }
    const d = await pool.query<{ code: string; planned: number; sent: number; failed: number; unknown: number; skipped: number }>(`
      SELECT p.code, count(*)::int AS planned,
             count(*) FILTER (WHERE d.status = 'sent')::int AS sent,
             count(*) FILTER (WHERE d.status = 'failed')::int AS failed,
             count(*) FILTER (WHERE d.status = 'unknown')::int AS unknown,
             count(*) FILTER (WHERE d.status = 'skipped')::int AS skipped
        FROM delivery d JOIN post p ON p.id = d.post_id GROUP BY p.id ORDER BY p.id`);
    for (const r of d.rows) {
      const key = `${r.sent}/${r.planned}/${r.failed}/${r.unknown}/${r.skipped}`;
      if (last.deliveries.get(r.code) === key) continue;
      last.deliveries.set(r.code, key);
      let extra = '';
      if (r.failed) extra += t('demo.fanout_extra_failed', { n: r.failed });
      if (r.unknown) extra += t('demo.fanout_extra_unknown', { n: r.unknown });
      if (r.skipped) extra += t('demo.fanout_extra_skipped', { n: r.skipped });
      lines.push(t('demo.fanout', { code: r.code, sent: r.sent, planned: r.planned, extra }));
    }
    if (confirmations > last.confirmations) {
      lines.push(t('demo.confirmations', { n: confirmations - last.confirmations, total: confirmations }));
      last.confirmations = confirmations;
    }
    if (reminders > last.reminders) {
      lines.push(t('demo.reminders', { n: reminders - last.reminders, total: reminders }));
      last.reminders = reminders;
    }
    for (const l of lines) print(`[${stamp(now)}] ${l}`);
  };
}

function unitLine(u: UnitReport, withCounty: boolean): string {
  return t('demo.report.unit_line', {
    unit: u.unit,
    county: withCounty && u.county ? `(${u.county})` : '',
    groups: u.groups,
    deliveries: u.deliveries,
    members: u.members,
    confirmed: u.confirmed,
    coverage: pct(u.coverage),
  });
}

/** The final report as readable Chinese text. */
export function formatReport(r: DemoReport): string[] {
  const out: string[] = ['', `== ${t('demo.report.title')} ==`, t('demo.report.groups_line', r.groups)];
  for (const a of r.accounts) out.push(t('demo.report.accounts_line', a));
  out.push('', `-- ${t('demo.report.posts_header')} --`);
  if (!r.posts.length) out.push(t('demo.report.none'));
  for (const p of r.posts) {
    out.push(
      t('demo.report.post_line', {
        code: p.code, kind: kindWord(p.kind), title: p.title.length > 24 ? `${p.title.slice(0, 23)}…` : p.title, source: p.source,
        urgent: p.urgent ? t('demo.report.urgent') : '', ...p.groups, members: p.members, confirmed: p.confirmed, coverage: pct(p.coverage),
      }),
    );
  }
  out.push('', `-- ${t('demo.report.counties_header')} --`);
  if (!r.counties.length) out.push(t('demo.report.none'));
  for (const c of r.counties) out.push(unitLine(c, false));
  out.push('', `-- ${t('demo.report.schools_header')} --`);
  if (!r.schools.length) out.push(t('demo.report.none'));
  for (const s of r.schools) out.push(unitLine(s, true));
  const notes =
    (r.city.groupsUnknownSize ? t('demo.report.unknown_note', { groups: r.city.groupsUnknownSize }) : '') +
    (r.city.staff ? t('demo.report.staff_note', { staff: r.city.staff }) : '');
  out.push('', t('demo.report.city_line', { ...r.city, coverage: pct(r.city.coverage), notes }));
  for (const th of r.throttles) {
    out.push(
      t('demo.report.throttle_line', {
        account: th.account, from: stamp(new Date(th.from)), until: stamp(new Date(th.until)), refused: th.refused,
        resumed: th.resumedAt ? t('demo.report.throttle_resumed', { at: stamp(new Date(th.resumedAt)) }) : t('demo.report.throttle_not_resumed'),
      }),
    );
  }
  out.push(t('demo.report.reminders_line', { total: r.reminders.total, groups: r.reminders.groups }));
  return out;
}
