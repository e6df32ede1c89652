// The demo end to end: small scenarios through runDemo (the function behind `antifraud demo`)
// on a fresh test database, asserting on the report and recomputing it from the database; and the
// default scenario through `npm run demo -- --json` as a user runs it.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../bot/db/client.ts';
import { t } from '../../bot/i18n.ts';
import { runDemo, type DemoResult } from '../../bot/demo/run.ts';
import type { DemoReport } from '../../bot/demo/report.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const fixture = (name: string) => path.join(ROOT, 'tests/fixtures/scenarios', name);
const quiet = () => undefined;
/** A reply that is only an attestation word (e.g. 已安装), which is not a general keyword. */
const ATTESTATION_ONLY = /^已安装$/;
/** The ledger's reminder header that `text` starts with ('' when none). */
const reminderHeader = (text: string) =>
  [t('ledger.reminder_header'), t('ledger.reminder_header_work')].find((h) => text.startsWith(h)) ?? '\u0000';

/** Beijing local "HH:MM" and weekday of an instant. */
function local(d: Date): { hm: string; weekday: number } {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', weekday: 'short' })
      .formatToParts(d)
      .map((x) => [x.type, x.value]),
  );
  return { hm: `${p.hour}:${p.minute}`, weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(p.weekday) };
}
const within = (hm: string, from: string, to: string) => hm >= from && hm < to;

/**
 * The report's numbers recomputed from the database with independent SQL: confirmation rows counted
 * per sent delivery of known size, at most its members at send (the ledger's coverage rule).
 */
async function recompute(pool: pg.Pool) {
  const posts = await pool.query<{ code: string; planned: number; sent: number; skipped: number; failed: number; unknown: number; members: number; confirmed: number }>(`
    SELECT p.code,
           (SELECT count(*) FROM delivery d WHERE d.post_id = p.id)::int AS planned,
           (SELECT count(*) FROM delivery d WHERE d.post_id = p.id AND d.status = 'sent')::int AS sent,
           (SELECT count(*) FROM delivery d WHERE d.post_id = p.id AND d.status = 'skipped')::int AS skipped,
           (SELECT count(*) FROM delivery d WHERE d.post_id = p.id AND d.status = 'failed')::int AS failed,
           (SELECT count(*) FROM delivery d WHERE d.post_id = p.id AND d.status = 'unknown')::int AS unknown,
           (SELECT COALESCE(sum(members_at_send), 0) FROM delivery d WHERE d.post_id = p.id AND d.status = 'sent')::int AS members,
           (SELECT COALESCE(sum(LEAST(d.members_at_send, (SELECT count(*) FROM confirmation c WHERE c.post_id = d.post_id AND c.group_id = d.group_id))), 0)
              FROM delivery d WHERE d.post_id = p.id AND d.status = 'sent' AND d.members_at_send IS NOT NULL)::int AS confirmed
      FROM post p ORDER BY p.id`);
  const schools = await pool.query<{ unit: string; members: number; confirmed: number }>(`
    SELECT u.name AS unit,
           COALESCE(sum(d.members_at_send), 0)::int AS members,
           COALESCE(sum(LEAST(d.members_at_send, (SELECT count(*) FROM confirmation c WHERE c.post_id = d.post_id AND c.group_id = d.group_id))), 0)::int AS confirmed
      FROM org_unit u JOIN chat_group g ON g.org_unit_id = u.id JOIN delivery d ON d.group_id = g.id AND d.status = 'sent' AND d.members_at_send IS NOT NULL
     WHERE u.kind = 'school' GROUP BY u.name ORDER BY u.name`);
  const reminders = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM reminder');
  return { posts: posts.rows, schools: schools.rows, reminders: reminders.rows[0].n };
}

function expectReportMatches(report: DemoReport, db: Awaited<ReturnType<typeof recompute>>): void {
  expect(report.posts.map((p) => ({ code: p.code, planned: p.groups.planned, sent: p.groups.sent, skipped: p.groups.skipped, failed: p.groups.failed, unknown: p.groups.unknown, members: p.members, confirmed: p.confirmed }))).toEqual(db.posts);
  expect(db.schools.length).toBeGreaterThan(0);
  const byName = (a: { unit: string }, b: { unit: string }) => (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0);
  expect(report.schools.map((s) => ({ unit: s.unit, members: s.members, confirmed: s.confirmed })).sort(byName)).toEqual([...db.schools].sort(byName));
  expect(report.reminders.total).toBe(db.reminders);
}

describe('demo: two schools, two accounts, two days at the start of the spring semester (throttle, removal, churn, a wrong code)', () => {
  let db: TestDb;
  let r: DemoResult;
  beforeAll(async () => {
    db = await freshDb();
    r = await runDemo({ scenario: fixture('small.json'), databaseUrl: db.url, ledgerSecret: db.ledgerSecret, out: quiet, logLevel: 'fatal' });
  }, 240_000);
  afterAll(async () => db?.drop());

  it('prints a report whose numbers the database gives again', async () => {
    expect(r.report.posts.filter((p) => p.source === '国家反诈中心' || p.source === '钦州反诈').length).toBe(2);
    expectReportMatches(r.report, await recompute(db.pool));
  });

  it('delivers each post to each group exactly once (the repeated push is one post)', async () => {
    const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM post p JOIN source s ON s.id = p.source_id WHERE s.kind = 'official'`);
    expect(rows[0].n).toBe(2);
    // The relay's text rendering starts with a header naming the code: count those per room.
    const sent = await db.pool.query<{ topic: string; code: string; source: string; urgent: boolean }>(`
      SELECT g.topic, p.code, s.name AS source, p.urgent FROM delivery d JOIN chat_group g ON g.id = d.group_id
        JOIN post p ON p.id = d.post_id JOIN source s ON s.id = p.source_id WHERE d.status = 'sent'`);
    expect(sent.rows.length).toBeGreaterThanOrEqual(8);
    for (const row of sent.rows) {
      const header = t(row.urgent ? 'relay.urgent_header' : 'relay.header', { code: row.code, source: row.source });
      const copies = r.world.roomSends.filter((s) => s.topic === row.topic && s.text.startsWith(header));
      expect(copies.length, `${row.topic} ${row.code}`).toBe(1);
    }
    const relayed = r.world.roomSends.filter((s) => sent.rows.some((row) => s.text.startsWith(t('relay.header', { code: row.code, source: row.source }))));
    expect(relayed.length).toBe(sent.rows.length);
  });

  it('sends only inside the relay windows of each group kind', async () => {
    const { rows } = await db.pool.query<{ kind: string; sent_at: Date; urgent: boolean }>(`
      SELECT g.kind::text AS kind, d.sent_at, p.urgent FROM delivery d JOIN chat_group g ON g.id = d.group_id JOIN post p ON p.id = d.post_id
       WHERE d.status = 'sent'`);
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) {
      const { hm, weekday } = local(row.sent_at);
      if (row.kind === 'parent') expect(within(hm, '12:00', '13:00') || within(hm, '19:00', '21:00'), `parent at ${hm}`).toBe(true);
      else {
        expect(weekday >= 1 && weekday <= 5, `work on weekday ${weekday}`).toBe(true);
        expect(within(hm, '08:30', '11:30') || within(hm, '14:30', '17:30'), `work at ${hm}`).toBe(true);
      }
    }
  });

  it('counts confirmations by the rules: a keyword confirms the posts the group had, a code only its post, once per member', async () => {
    const sent = await db.pool.query<{ topic: string; code: string; sent_at: Date; members: number; confirmed: number; rows: number; words: string[] }>(`
      SELECT g.topic, p.code, d.sent_at, d.members_at_send AS members, d.confirmed, p.confirm_words AS words,
             (SELECT count(*) FROM confirmation c WHERE c.post_id = d.post_id AND c.group_id = d.group_id)::int AS rows
        FROM delivery d JOIN chat_group g ON g.id = d.group_id JOIN post p ON p.id = d.post_id WHERE d.status = 'sent'`);
    // What the rules give for the replies the simulated members typed. The homeroom teacher of a
    // class group is not a family: their replies there confirm nothing (issue 11).
    const scenario = JSON.parse(fs.readFileSync(fixture('small.json'), 'utf8')) as { groups: { kind: string; topic: string; by: string }[] };
    const owner = new Map(scenario.groups.filter((g) => g.kind === 'parent').map((g) => [g.topic, g.by]));
    const expected = new Map<string, Set<string>>();
    for (const reply of r.world.replies) {
      if (owner.get(reply.topic) === reply.who) continue;
      const codes = reply.text.match(/\bF\d+\b/g);
      for (const d of sent.rows) {
        if (d.topic !== reply.topic || d.sent_at.getTime() > reply.at.getTime() + 60_000) continue;
        if (codes && !codes.includes(d.code)) continue;
        // An attestation counts only its own words; its words confirm nothing else.
        const own = d.words.some((w) => reply.text.includes(w));
        if (d.words.length ? !own : ATTESTATION_ONLY.test(reply.text.replace(/\bF\d+\b/g, '').trim())) continue;
        const k = `${d.topic} ${d.code}`;
        expected.set(k, (expected.get(k) ?? new Set()).add(reply.who));
      }
    }
    for (const d of sent.rows) {
      const k = `${d.topic} ${d.code}`;
      expect(d.rows, k).toBe(expected.get(k)?.size ?? 0);
      expect(d.confirmed, k).toBe(d.rows);
      expect(d.rows, k).toBeLessThanOrEqual(d.members + 1); // a member who left after the send still counts
    }
    const total = [...expected.values()].reduce((a, s) => a + s.size, 0);
    expect(total).toBeGreaterThan(20);
    const none = await db.pool.query<{ n: number }>(`
      SELECT count(*)::int AS n FROM confirmation c
       WHERE NOT EXISTS (SELECT 1 FROM delivery d WHERE d.post_id = c.post_id AND d.group_id = c.group_id AND d.status = 'sent')`);
    expect(none.rows[0].n).toBe(0);
  });

  it('sends reminders to groups below target, at most one per post, group and day', async () => {
    expect(r.report.reminders.total).toBeGreaterThan(0);
    const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT post_id, group_id, day FROM reminder GROUP BY 1, 2, 3 HAVING count(*) > 1) x`);
    expect(rows[0].n).toBe(0);
    const reminded = await db.pool.query<{ topic: string }>(`SELECT DISTINCT g.topic FROM reminder r JOIN chat_group g ON g.id = r.group_id`);
    for (const { topic } of reminded.rows) {
      expect(r.world.roomSends.some((s) => s.topic === topic && s.text.startsWith(reminderHeader(s.text))), topic).toBe(true);
    }
  });

  it('pauses the throttled account (Ret 1205) and resumes it afterwards; the other account goes on', async () => {
    const [t] = r.report.throttles;
    expect(t).toMatchObject({ account: 'relay-b' });
    expect(t.refused).toBeGreaterThanOrEqual(1);
    expect(t.resumedAt).not.toBeNull();
    expect(new Date(t.resumedAt!).getTime()).toBeGreaterThanOrEqual(new Date(t.until).getTime());
    const during = r.world.roomSends.filter((s) => s.account === 'relay-b' && s.at >= new Date(t.from) && s.at < new Date(t.until));
    expect(during).toEqual([]);
    const { rows } = await db.pool.query<{ throttle_level: number }>(`SELECT throttle_level FROM bot_account WHERE name = 'relay-b'`);
    expect(rows[0].throttle_level).toBeGreaterThanOrEqual(1);
    expect(r.report.accounts.find((a) => a.name === 'relay-a')!.sent).toBeGreaterThan(0);
  });

  it('skips the group that removed the bot, and sends nothing there after the removal', async () => {
    const { rows } = await db.pool.query<{ status: string; deliveries: string[] }>(`
      SELECT g.status::text AS status, array_agg(d.status::text ORDER BY d.id) AS deliveries
        FROM chat_group g LEFT JOIN delivery d ON d.group_id = g.id WHERE g.topic = '测试中学初二(1)班家长群' GROUP BY g.id`);
    expect(rows[0].status).toBe('left');
    expect(rows[0].deliveries.length).toBeGreaterThan(0);
    expect(rows[0].deliveries.filter((s) => s !== 'skipped')).toEqual([]);
    expect(r.world.roomSends.filter((s) => s.topic === '测试中学初二(1)班家长群' && s.at > new Date('2026-03-02T02:00:00Z'))).toEqual([]);
    expect(r.report.groups).toMatchObject({ total: 5, left: 1 });
  });
});

describe('demo: the same scenario twice', () => {
  it('gives the same report byte for byte, apart from the wall time (seeded, independent of machine speed)', async () => {
    const reports: string[] = [];
    for (let i = 0; i < 2; i++) {
      const db = await freshDb();
      try {
        const run = await runDemo({ scenario: fixture('small.json'), databaseUrl: db.url, ledgerSecret: db.ledgerSecret, out: quiet, logLevel: 'fatal' });
        reports.push(JSON.stringify({ ...run.report, wallSeconds: 0 }, null, 1));
      } finally {
        await db.drop();
      }
    }
    expect(JSON.parse(reports[0]).posts.length).toBeGreaterThan(0);
    expect(reports[1]).toBe(reports[0]);
  }, 480_000);
});

describe('demo: re-login with new ids and an urgent admin post', () => {
  let db: TestDb;
  let r: DemoResult;
  beforeAll(async () => {
    db = await freshDb();
    r = await runDemo({ scenario: fixture('relogin-urgent.json'), databaseUrl: db.url, ledgerSecret: db.ledgerSecret, out: quiet, logLevel: 'fatal' });
  }, 240_000);
  afterAll(async () => db?.drop());

  it('relays the urgent post at once, outside the windows, and keeps delivering after the re-login', async () => {
    expectReportMatches(r.report, await recompute(db.pool));
    const urgent = r.report.posts.find((p) => p.urgent);
    expect(urgent, JSON.stringify(r.report.posts)).toBeDefined();
    expect(urgent!.groups.sent).toBe(urgent!.groups.planned);
    const { rows } = await db.pool.query<{ kind: string; sent_at: Date }>(`
      SELECT g.kind::text AS kind, d.sent_at FROM delivery d JOIN chat_group g ON g.id = d.group_id JOIN post p ON p.id = d.post_id
       WHERE p.urgent AND d.status = 'sent' AND g.kind = 'parent'`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.map((row) => local(row.sent_at).hm).filter((hm) => hm >= '12:00')).toEqual([]);
    const after = r.report.posts.find((p) => p.title.includes('假老师'))!;
    expect(after.groups.sent).toBe(after.groups.planned);
    expect(after.confirmed).toBeGreaterThan(0);
    const ids = await db.pool.query<{ room_id: string }>(`SELECT room_id FROM chat_group WHERE status = 'active'`);
    expect(ids.rows.length).toBeGreaterThan(0);
    expect(ids.rows.map((x) => x.room_id).filter((id) => !id.includes('-e1-'))).toEqual([]);
  });
});

describe('npm run demo (the default scenario, as a user runs it)', () => {
  const exec = promisify(execFile);
  let dir: string;
  afterAll(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

  it('runs a week of the plan and prints a JSON report that the database gives again', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'antifraud-demo-test-'));
    fs.chmodSync(dir, 0o755);
    const { stdout } = await exec('npm', ['run', '-s', 'demo', '--', '--json', '--data-dir', dir], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LOG_LEVEL: 'error' } });
    const report = JSON.parse(stdout) as DemoReport;
    process.stdout.write(`default scenario: ${report.wallSeconds} s wall for ${(new Date(report.end).getTime() - new Date(report.start).getTime()) / 86_400_000} simulated days\n`);
    expect(report.groups.total).toBeGreaterThanOrEqual(20);
    expect(report.accounts.length).toBeGreaterThanOrEqual(2);
    expect(report.counties.length).toBeGreaterThanOrEqual(5);
    expect(report.posts.length).toBeGreaterThanOrEqual(5);
    expect(report.throttles.length).toBe(1);
    // The semester letter (parent groups) and the app-install attestation (work groups), confirmed by 已安装.
    const letter = report.posts.find((p) => p.kind === 'letter');
    const attestation = report.posts.find((p) => p.kind === 'attestation');
    expect(letter?.groups.sent).toBeGreaterThan(0);
    expect(attestation?.groups.sent).toBeGreaterThan(0);
    expect(attestation!.confirmed).toBeGreaterThan(0);
    expect(report.groups.left).toBe(1);
    // The database the demo kept: started again, read with independent SQL.
    const { startEmbedded } = await import('../../bot/db/embedded.ts');
    const { loadLocalSecrets } = await import('../../bot/db/secrets.ts');
    const { silentLogger } = await import('../../bot/log.ts');
    const server = await startEmbedded(dir, loadLocalSecrets(dir).postgresPassword, silentLogger());
    const kept = connect(server.url('antifraud'), { max: 2 });
    try {
      expectReportMatches(report, await recompute(kept.pool));
    } finally {
      await kept.close();
      await server.stop();
    }
  }, 600_000);
});
