// One bot account's sender loop: takes the account lock, claims due deliveries, and for each one
// runs three steps — decide (decide.ts: skip, wait for a window, or send), send (send.ts: pace,
// reserve a daily-cap slot, say() to the group's room as known at send time) and record
// (record.ts: the delivery log, guarded by the claim). Pacing lives in pacer.ts.
//
// Safety: the per-account advisory lock (account-lock.ts; in the bot, the account hold's) makes one
// process the sender of an account; a second process with the same account waits. Rows left in `sending` by a dead
// process are recovered on start: never-begun ones go back to pending, the rest become `unknown`.
import crypto from 'node:crypto';
import os from 'node:os';
import type { Account, AppContext } from '../app.ts';
import type { Logger } from '../log.ts';
import { readAudience } from '../ledger/audience.ts';
import { AccountLock, type SenderLock } from './account-lock.ts';
import { decide } from './decide.ts';
import { beginSend, claimDue, currentRoom, freshDue, recoverSending, type ClaimedDelivery, type RecoverCause } from './deliveries.ts';
import { Pacer } from './pacer.ts';
import { fanoutProgress, formatProgress } from './progress.ts';
import { createRecorder, type Outcome } from './record.ts';
import { renderPost } from './render.ts';
import { sendToRoom } from './send.ts';
import type { RelaySettings } from './settings.ts';
import { errorText } from './throttle.ts';
import { localDay, nextLocalMidnight } from '../core/time.ts';

export interface WorkerOptions {
  settings?: RelaySettings;
  /** Uniform [0, 1) source for the gaps (tests pass a seeded one). */
  random?: () => number;
  /** Written to delivery.claimed_by; default host:pid:random. */
  workerId?: string;
  /** Stop once this account has no pending deliveries left (tests, bench, one-shot runs). */
  stopWhenIdle?: boolean;
  /** Whether the account is logged in; while false nothing is claimed (default: always). */
  online?: () => boolean;
  /** The account's pacer, shared with its other senders (default: the worker's own). */
  pacer?: Pacer;
  /** The account lock held by this process's account hold (default: the worker takes it itself). */
  lock?: SenderLock;
}

export interface WorkerStats {
  sent: number;
  unknown: number;
  failed: number;
  skipped: number;
  retried: number;
  throttled: number;
  /** Sum of the random gaps chosen between sends (the rate-limit bound of the makespan). */
  gapMsTotal: number;
  /** Wall time spent in delivery-log statements. */
  bookkeepingMs: number;
  firstSendAt?: number;
  lastSendAt?: number;
}

export interface RelayWorker {
  readonly stats: WorkerStats;
  /** Wakes an idle worker (e.g. after planPost in this process). */
  wake(): void;
  /** Stops after the current send; claimed rows not yet begun go back to pending. */
  stop(): Promise<void>;
  /** Resolves when the loop has ended. */
  readonly done: Promise<void>;
}

/** Starts the sender loop of one account. */
export function startWorker(ctx: AppContext, account: Account, opts: WorkerOptions = {}): RelayWorker {
  const settings = opts.settings ?? ctx.settings.relay;
  const s = settings.sending;
  const tz = ctx.config.timeZone;
  const pool = ctx.db.pool;
  const random = opts.random ?? Math.random;
  const by = opts.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const log: Logger = ctx.log.child({ name: 'relay', account: account.name });
  const stats: WorkerStats = { sent: 0, unknown: 0, failed: 0, skipped: 0, retried: 0, throttled: 0, gapMsTotal: 0, bookkeepingMs: 0 };

  let stopping = false;
  let wakeUp: (() => void) | undefined;
  const lock: SenderLock = opts.lock ?? new AccountLock(pool, account.id);
  let offlineLogged = false;
  const pacer = opts.pacer ?? new Pacer(s, random);
  const touched = new Map<number, { code: string; since: number }>();

  const now = () => ctx.clock.now();
  /** The worker's own connection (asynchronous commits) for everything but beginSend. */
  const q = () => lock.client ?? pool;
  async function book<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      stats.bookkeepingMs += performance.now() - t0;
    }
  }
  const record = createRecorder({ q, pool, accountId: account.id, by, clock: ctx.clock, settings: s, tz, stats, log, book });

  function idle(ms: number): Promise<void> {
    if (stopping) return Promise.resolve();
    return new Promise<void>((resolve) => {
      wakeUp = resolve;
      ctx.clock.sleep(Math.max(0, ms)).then(resolve);
    }).finally(() => {
      wakeUp = undefined;
    });
  }

  async function acquireLock(): Promise<boolean> {
    let waitingLogged = false;
    let unreachable = 0;
    while (!stopping) {
      try {
        if (await lock.tryTake()) {
          if (unreachable) log.info({ attempts: unreachable }, 'the database answers again; sending goes on');
          return true;
        }
        if (!waitingLogged) log.warn('another process is sending for this account; standing by until it stops');
        waitingLogged = true;
      } catch (err) {
        // Once per outage, not once per poll.
        if (!unreachable++) log.error({ err: errorText(err) }, 'cannot reach the database to take the account lock; retrying until it answers');
      }
      await idle(s.pollMs);
    }
    return false;
  }

  async function sleepUntil(at: number): Promise<void> {
    const ms = at - now().getTime();
    if (ms > 0) await ctx.clock.sleep(ms);
  }

  /** Families at send (bot/ledger/audience.ts decides who counts); null when the room cannot be read. */
  async function membersAtSend(d: ClaimedDelivery, roomId: string, loginName: string | null): Promise<{ members: number | null; staff: number | null }> {
    try {
      const a = await readAudience(
        { pool, secret: ctx.ledgerSecret, chat: account.chat, log, now: now() },
        { id: d.groupId, kind: d.group.kind, orgUnitId: d.group.orgUnitId, ownerKey: d.group.ownerKey, roomId, botAccountId: account.id, botName: loginName },
      );
      return { members: a.count, staff: d.group.kind === 'parent' ? a.staffCount : null };
    } catch (err) {
      log.warn({ group: d.groupId, err: errorText(err) }, 'cannot read the member list; members_at_send stays unknown');
      return { members: null, staff: null };
    }
  }

  /** Whether the room id sent to is no longer the group's (re-matched since), or the account is offline. */
  async function roomGone(d: ClaimedDelivery, roomId: string): Promise<boolean> {
    if (opts.online && !opts.online()) return true;
    return (await book(() => currentRoom(q(), d.groupId))) !== roomId;
  }

  /**
   * The send step: the group's room as known now, members, the paced slot, the durable "say
   * began" mark with its daily-cap slot, then say(). Returns what the loop does next.
   */
  async function send(d: ClaimedDelivery, loginName: string | null): Promise<Outcome> {
    const roomId = await book(() => currentRoom(q(), d.groupId));
    if (!roomId) return record.skipped(d, 'no WeChat room is known for this group since the last login');
    const rendered = renderPost(d.post, account.chat.capabilities());
    const members = await membersAtSend(d, roomId, loginName);
    const slot = pacer.next(now().getTime());
    // The durable "say began" commit is issued a little ahead of the slot (pacer.lead).
    await sleepUntil(slot.target - pacer.lead);
    if (stopping || lock.lost) {
      pacer.cancel(slot);
      await record.notTried(d);
      return 'later';
    }
    const day = localDay(now(), tz);
    const b0 = performance.now();
    const begun = await book(() =>
      beginSend(pool, { id: d.id, accountId: account.id, by, day, cap: s.dailyCap, rendering: rendered.rendering, members: members.members, staff: members.staff, now: now() }),
    );
    pacer.measuredBegin(performance.now() - b0);
    if (!begun) {
      pacer.cancel(slot);
      await record.notTried(d);
      return 'capped';
    }
    await sleepUntil(slot.target);
    // The room id is read again as the message goes out: a re-login (or re-match) during the wait
    // gave the group another room, or the account is logged out now. Nothing was sent: the row
    // goes back to pending and is claimed again for the group's room of the new session.
    if (await roomGone(d, roomId)) {
      pacer.cancel(slot);
      return record.staleTarget(d, day, 'the room changed (or the account logged out) while the send waited for its slot');
    }
    pacer.started(slot, now().getTime());
    stats.gapMsTotal += slot.gap;
    stats.firstSendAt ??= performance.now();
    const result = await sendToRoom(account.chat, roomId, rendered.messages, s.sendTimeoutMs);
    // A refused send to a room id of an ended session (or one a re-match has replaced since) is
    // not a failure: the row waits for the group's room of the new session. Never sent twice:
    // a refusal proves nothing went out.
    if (result.outcome === 'refused' && !result.throttled && (result.loggedOut || (result.badTarget && (await roomGone(d, roomId))))) {
      return record.staleTarget(d, day, result.error);
    }
    return record.sendResult(d, day, result);
  }

  /** decide → send → record for one claimed delivery; the row always leaves `sending` before return. */
  async function deliver(d: ClaimedDelivery, loginName: string | null): Promise<Outcome> {
    const decision = decide(d, now(), settings, tz);
    if (decision.action === 'skip') return record.skipped(d, decision.reason);
    if (decision.action === 'wait') {
      await record.notTried(d, decision.at);
      return 'later';
    }
    return send(d, loginName);
  }

  async function logProgress(force: boolean): Promise<void> {
    for (const [postId, t] of touched) {
      if (!force && t.since < s.progressEvery) continue;
      t.since = 0;
      const p = await fanoutProgress(ctx, postId, settings);
      log.info({ post: t.code, ...p }, formatProgress(p));
      if (force) touched.delete(postId);
    }
  }

  async function loop(): Promise<void> {
    if (!(await acquireLock())) return;
    let needRecover = true;
    let cause: RecoverCause = 'stopped';
    while (!stopping) {
      if (lock.lost) {
        log.warn('the database connection holding the account lock failed; taking the lock again');
        lock.drop();
        if (!(await acquireLock())) return;
        needRecover = true;
        cause = 'database';
      }
      try {
        if (needRecover) {
          // What this worker learnt while the database was away first, then the rows nobody can tell.
          const replayed = await record.replay();
          if (replayed) log.info({ replayed }, 'recorded the outcomes of sends made while the database was away');
          const rec = await recoverSending(q(), account.id, now(), cause);
          if (rec.requeued || rec.unknown) log.warn({ ...rec, cause }, 'recovered deliveries left in sending (by a stopped process or a failed connection)');
          needRecover = false;
        }
        const { rows } = await pool.query<{ throttled_until: Date | null; sent_day: string | null; sent_today: number; login_name: string | null }>(
          'SELECT throttled_until, sent_day, sent_today, login_name FROM bot_account WHERE id = $1',
          [account.id],
        );
        const acct = rows[0];
        if (!acct) throw new Error(`bot_account ${account.id} does not exist`);
        const t = now();
        if (opts.online && !opts.online()) {
          if (!offlineLogged) log.warn('the account is not logged in; sending waits for the login');
          offlineLogged = true;
          await idle(s.pollMs);
          continue;
        }
        offlineLogged = false;
        if (acct.throttled_until && acct.throttled_until > t) {
          await idle(acct.throttled_until.getTime() - t.getTime());
          continue;
        }
        const today = localDay(t, tz);
        const left = acct.sent_day === today ? s.dailyCap - acct.sent_today : s.dailyCap;
        if (left <= 0) {
          log.info({ cap: s.dailyCap }, 'daily cap reached; resuming tomorrow');
          await idle(nextLocalMidnight(t, tz).getTime() - t.getTime());
          continue;
        }
        const batch = await book(() => claimDue(q(), account.id, by, t, Math.min(s.claimBatch, left)));
        if (!batch.length) {
          await logProgress(true);
          const next = await pool.query<{ due: Date | null }>(
            "SELECT min(due_at) AS due FROM delivery WHERE bot_account_id = $1 AND status = 'pending'",
            [account.id],
          );
          const due = next.rows[0].due;
          if (!due && opts.stopWhenIdle) break;
          await idle(due ? Math.min(s.pollMs, due.getTime() - now().getTime()) : s.pollMs);
          continue;
        }
        for (let i = 0; i < batch.length; i++) {
          const d = batch[i];
          if (stopping || lock.lost || (opts.online && !opts.online())) {
            await record.notReached(batch.slice(i));
            break;
          }
          // A late group's backlog never holds up a post due now: claim again, fresh rows first.
          if (i > 0 && d.catchUp && (await book(() => freshDue(q(), account.id, now())))) {
            await record.notReached(batch.slice(i));
            break;
          }
          const outcome = await deliver(d, acct.login_name);
          const tp = touched.get(d.postId) ?? { code: d.post.code, since: 0 };
          tp.since++;
          touched.set(d.postId, tp);
          if (outcome === 'throttled' || outcome === 'capped') {
            await record.notReached(batch.slice(i + 1));
            break;
          }
        }
        await logProgress(false);
      } catch (err) {
        log.error({ err: errorText(err) }, 'relay loop error (database?); retrying shortly');
        // Start again on a fresh connection; rows this loop held go back to pending (never begun)
        // or become unknown (begun) once the database answers again.
        lock.lost = true;
        await idle(s.pollMs);
      }
    }
  }

  const done = loop()
    .catch((err) => log.error({ err: errorText(err) }, 'relay worker stopped by an error'))
    .finally(() => lock.drop());

  return {
    stats,
    wake: () => wakeUp?.(),
    stop: async () => {
      stopping = true;
      wakeUp?.();
      await done;
    },
    done,
  };
}
