// Reminders to groups below the coverage target: one message per group naming the members who
// have not confirmed (written out: @-mentions do not notify on web protocol), the list privately to
// the owner, and from the second round on the group is listed in its school's below-target
// summary in the school's work group. Never more than one reminder per group and day, never more
// than one private list per teacher and day (over all their groups), all sent through the account's
// paced port: the `reminder` rows are claimed (INSERT … ON CONFLICT DO NOTHING) before anything is
// sent, and so is the teacher's list (a cron_fire slot keyed by a hash of the teacher's name).
import type { Account, AppContext } from '../app.ts';
import { SendError } from '../chat-types.ts';
import { localDay, localDayStart } from '../core/time.ts';
import { t } from '../i18n.ts';
import { claimSlot } from '../core/scheduler.ts';
import { memberKey } from './member-key.ts';
import { readAudience } from './audience.ts';
import { formatPct, pct } from './coverage.ts';
import { packMessages } from './group-auth.ts';
import { nonConfirmers } from './non-confirmers.ts';
import { DEFAULT_LEDGER_SETTINGS, type LedgerSettings } from './settings.ts';

export type ReminderKind = 'parent' | 'work';

export interface ReminderOptions {
  kind: ReminderKind;
  settings?: LedgerSettings;
  /** Plan only: claim nothing, send nothing. */
  dryRun?: boolean;
  /** At most this many groups per run (default 300). */
  limit?: number;
  /** Extra pause between groups (default none: every send waits for the account's pacer). */
  gapMs?: number;
}

export interface ReminderResult {
  day: string;
  groups: { groupId: number; topic: string; posts: string[]; names: number; round: number; owner: boolean }[];
  summaries: { orgUnitId: number; groups: number; sentTo: number }[];
  failed: number;
  /** Groups whose reminder the account may not send now (daily cap reached, paused): no round used, the next run reminds them. */
  deferred: number;
  /** Private lists sent to teachers (one per teacher per run). */
  privateLists: number;
}

interface Candidate {
  post_id: number;
  group_id: number;
  code: string;
  title: string;
  room_id: string | null;
  topic: string;
  owner_key: string;
  org_unit_id: number;
  bot_account_id: number;
  login_name: string | null;
  /** Families at delivery; null when unknown (the live list decides then). */
  members: number | null;
  confirmed: number;
  rounds: number;
}

/**
 * Sends the reminders due now for groups of `kind` driven by `accounts`: deliveries sent before
 * today (local), still in the confirmation window, below target, not reminded today and reminded
 * fewer than the maximum rounds, in groups with reminders on.
 */
export async function runReminders(ctx: AppContext, accounts: Account[], opts: ReminderOptions): Promise<ReminderResult> {
  const settings = opts.settings ?? DEFAULT_LEDGER_SETTINGS;
  const log = ctx.log.child({ name: 'reminders', kind: opts.kind });
  const pool = ctx.db.pool;
  const now = ctx.clock.now();
  const day = localDay(now, ctx.config.timeZone);
  const start = localDayStart(now, ctx.config.timeZone);
  const byAccount = new Map(accounts.map((a) => [a.id, a]));
  const result: ReminderResult = { day, groups: [], summaries: [], failed: 0, deferred: 0, privateLists: 0 };
  if (settings.remindMaxRounds === 0 || !accounts.length) return result;

  const { rows } = await pool.query<Candidate>(
    `SELECT d.post_id, d.group_id, p.code, p.title, g.room_id, g.topic, g.owner_key, g.org_unit_id, g.bot_account_id,
            a.login_name, d.members_at_send AS members, d.confirmed,
            (SELECT count(*)::int FROM reminder r WHERE r.post_id = d.post_id AND r.group_id = d.group_id) AS rounds
       FROM delivery d
       JOIN chat_group g ON g.id = d.group_id
       JOIN post p ON p.id = d.post_id
       JOIN bot_account a ON a.id = g.bot_account_id
      WHERE d.status = 'sent' AND g.kind = $1::"GroupKind" AND g.status = 'active' AND g.reminders_on
        AND g.bot_account_id = ANY($2::int[]) AND g.room_id IS NOT NULL
        AND d.sent_at < $3 AND d.sent_at > $4::timestamptz - $5::bigint * interval '1 millisecond'
        AND (d.members_at_send IS NULL OR d.confirmed * 100 < $6::float8 * d.members_at_send)
        -- the in-group reminder once per group per evening (all its open posts in one message)
        AND NOT EXISTS (SELECT 1 FROM reminder r WHERE r.group_id = d.group_id AND r.day = $7)
      ORDER BY g.id, d.sent_at, p.id`,
    [opts.kind, accounts.map((a) => a.id), start, now, settings.windowMs, settings.targetPct, day],
  );
  const byGroup = new Map<number, Candidate[]>();
  for (const r of rows) if (r.rounds < settings.remindMaxRounds) byGroup.set(r.group_id, [...(byGroup.get(r.group_id) ?? []), r]);

  const escalate = new Map<number, { topic: string; c: Candidate }[]>();
  const privateLists = new Map<string, { account: Account; ownerId: string; ownerName: string; blocks: { prefix: string; names: string[] }[] }>();
  let done = 0;
  for (const [groupId, cands] of byGroup) {
    if (done >= (opts.limit ?? 300)) {
      log.warn({ left: byGroup.size - done }, 'per-run limit reached; the rest are reminded next time');
      break;
    }
    const first = cands[0];
    const account = byAccount.get(first.bot_account_id)!;
    try {
      const audience = await readAudience(
        { pool, secret: ctx.ledgerSecret, chat: account.chat, log, now },
        { id: groupId, kind: opts.kind, orgUnitId: first.org_unit_id, ownerKey: first.owner_key, roomId: first.room_id!, botAccountId: first.bot_account_id, botName: first.login_name },
      );
      const missing = await nonConfirmers(pool, ctx.ledgerSecret, groupId, audience.families, cands.map((c) => c.post_id));
      let due = cands.filter((c) => missing.get(c.post_id)!.length > 0);
      if (!due.length) continue; // the members who had not confirmed have left the group
      if (!opts.dryRun) {
        const claimed = await pool.query<{ post_id: number }>(
          `INSERT INTO reminder (post_id, group_id, day, round, pending, sent_at)
           SELECT * FROM unnest($1::int[], $2::int[], $3::text[], $4::int[], $5::int[], $6::timestamptz[])
           ON CONFLICT DO NOTHING RETURNING post_id`,
          [
            due.map((c) => c.post_id), due.map(() => groupId), due.map(() => day), due.map((c) => c.rounds + 1),
            due.map((c) => missing.get(c.post_id)!.length), due.map(() => now),
          ],
        );
        const ok = new Set(claimed.rows.map((r) => r.post_id));
        due = due.filter((c) => ok.has(c.post_id)); // another process reminded them today
        if (!due.length) continue;
      }
      done++;
      const blocks = due.map((c) => {
        const names = missing.get(c.post_id)!.map((m) => m.name);
        return { prefix: t('ledger.reminder_post', { code: c.code, title: c.title, count: names.length, names: '' }), names };
      });
      const pack = (header: string) => packMessages(header, blocks, { sep: t('common.separator'), more: t('ledger.reminder_more') });
      const owner = audience.owner;
      const round = Math.max(...due.map((c) => c.rounds + 1));
      const entry = { groupId, topic: first.topic, posts: due.map((c) => c.code), names: blocks.reduce((n, b) => n + b.names.length, 0), round, owner: Boolean(owner) };
      if (!opts.dryRun) {
        let sent = 0;
        try {
          for (const text of pack(t(opts.kind === 'work' ? 'ledger.reminder_header_work' : 'ledger.reminder_header'))) {
            await account.chat.sayToRoom(first.room_id!, { type: 'text', text });
            sent++;
          }
        } catch (err) {
          if (sent > 0 || !(err instanceof SendError) || err.opts.sent !== false) throw err;
          // Nothing went out (the account's daily cap, a pause after "too fast", a room gone): the
          // claim is given back, so no round is used up and the next run reminds this group.
          await pool.query('DELETE FROM reminder WHERE group_id = $1 AND day = $2 AND post_id = ANY($3::int[])', [groupId, day, due.map((c) => c.post_id)]);
          result.deferred++;
          log.warn({ group: groupId, reason: err.message }, 'reminder not sent now; this group is reminded next run');
          continue;
        }
      }
      result.groups.push(entry);
      if (round >= 2) for (const c of due) escalate.set(c.org_unit_id, [...(escalate.get(c.org_unit_id) ?? []), { topic: first.topic, c }]);
      if (opts.dryRun) continue;
      if (owner) {
        // One private list per teacher per run, over all their groups (sent after the groups).
        const key = `${account.id}:${owner.id}`;
        const list = privateLists.get(key) ?? { account, ownerId: owner.id, ownerName: owner.name, blocks: [] };
        for (const c of due) {
          const names = missing.get(c.post_id)!.map((m) => m.name);
          list.blocks.push({ prefix: t('ledger.reminder_owner', { topic: first.topic, code: c.code, title: c.title, count: names.length, names: '' }), names });
        }
        privateLists.set(key, list);
      }
      log.info({ group: groupId, posts: due.length, round }, 'reminder sent');
      if (opts.gapMs) await ctx.clock.sleep(opts.gapMs); // (the account's pacer spaces the sends)
    } catch (err) {
      result.failed++;
      log.error({ err: { message: (err as Error).message }, group: groupId }, 'reminder failed for this group; continuing');
    }
  }
  for (const list of privateLists.values()) {
    // At most one private message per teacher per evening (claimed durably: a second run of the
    // day sends none); a list too long for one message ends with a pointer to #未确认 in each group.
    const [text, ...rest] = packMessages(t('ledger.reminder_owner_header'), list.blocks, { sep: t('common.separator'), more: t('ledger.reminder_more') });
    try {
      const teacher = memberKey(ctx.ledgerSecret, -list.account.id, list.ownerName);
      if (!(await claimSlot(pool, 'reminder-owner-list', `${day}:${list.account.id}:${teacher}`, `${process.pid}:${list.account.name}`))) {
        log.info('this teacher already had their private list this evening');
        continue;
      }
      await list.account.chat.sayToContact(list.ownerId, { type: 'text', text: rest.length ? `${text}\n${t('ledger.reminder_owner_cut')}` : text });
      result.privateLists++;
    } catch (err) {
      log.warn({ err: { message: (err as Error).message } }, 'the private list could not be sent to a teacher');
    }
  }
  result.summaries = await schoolSummaries(ctx, accounts, escalate, settings, opts.dryRun);
  return result;
}

/** Posts each school's below-target summary (group topics and numbers, no names) in its work group(s). */
async function schoolSummaries(
  ctx: AppContext,
  accounts: Account[],
  escalate: Map<number, { topic: string; c: Candidate }[]>,
  settings: LedgerSettings,
  dryRun?: boolean,
): Promise<ReminderResult['summaries']> {
  const out: ReminderResult['summaries'] = [];
  const byAccount = new Map(accounts.map((a) => [a.id, a]));
  for (const [orgUnitId, items] of escalate) {
    const { rows: works } = await ctx.db.pool.query<{ room_id: string; bot_account_id: number; unit: string }>(
      `SELECT g.room_id, g.bot_account_id, u.name AS unit FROM chat_group g JOIN org_unit u ON u.id = g.org_unit_id
        WHERE g.org_unit_id = $1 AND g.kind = 'work' AND g.status = 'active' AND g.room_id IS NOT NULL ORDER BY g.id`,
      [orgUnitId],
    );
    const here = works.filter((w) => byAccount.has(w.bot_account_id));
    let sentTo = 0;
    if (!dryRun) {
      for (const w of here) {
        const lines = items.map(({ topic, c }) =>
          c.members === null
            ? t('ledger.school_summary_line_unknown', { topic, code: c.code, title: c.title, confirmed: c.confirmed })
            : t('ledger.school_summary_line', { topic, code: c.code, title: c.title, confirmed: Math.min(c.confirmed, c.members), members: c.members, pct: formatPct(pct(Math.min(c.confirmed, c.members), c.members)) }),
        );
        const msgs = packMessages(t('ledger.school_summary_header', { school: w.unit, target: settings.targetPct }), lines.map((l) => ({ prefix: l, names: [] })));
        try {
          for (const text of msgs) await byAccount.get(w.bot_account_id)!.chat.sayToRoom(w.room_id, { type: 'text', text });
          sentTo++;
        } catch (err) {
          ctx.log.child({ name: 'reminders' }).error({ err: { message: (err as Error).message }, orgUnitId }, 'school summary could not be sent');
        }
      }
    }
    out.push({ orgUnitId, groups: new Set(items.map((i) => i.c.group_id)).size, sentTo });
  }
  return out;
}
