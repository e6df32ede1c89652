// One bot account's sender: claims due deliveries, paces them (random gap, per-minute limit,
// daily cap), renders for the puppet, sends, and writes the outcome to the delivery log.
//
// Safety: a per-account advisory lock (held on its own connection) makes one process the sender
// of an account; a second process with the same account waits. Rows left in `sending` by a dead
// process are recovered on start: never-begun ones go back to pending, the rest become `unknown`.
import crypto from 'node:crypto';
import os from 'node:os';
import type pg from 'pg';
import type { Account, AppContext } from '../app.ts';
import type { Outgoing } from '../chat-types.ts';
import type { Logger } from '../log.ts';
import { readAudience } from '../ledger/audience.ts';
import { beginSend, claimDue, finish, recoverSending, refundCap, release, type ClaimedDelivery } from './deliveries.ts';
import { skipReason } from './plan.ts';
import { fanoutProgress, formatProgress } from './progress.ts';
import { renderPost } from './render.ts';
import { relaySettings, type RelaySettings } from './settings.ts';
import { errorText, isThrottle, provablyNotSent, throttleAccount } from './throttle.ts';
import { localDay, nextLocalMidnight } from './tz.ts';
import { nextSendTime } from './windows.ts';

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

type Outcome = 'sent' | 'done' | 'throttled' | 'capped' | 'later';

const LOCK_CLASS = 0x7265; // "re": advisory-lock namespace of relay accounts

/** Starts the sender loop of one account. */
export function startWorker(ctx: AppContext, account: Account, opts: WorkerOptions = {}): RelayWorker {
  const settings = opts.settings ?? relaySettings();
  const s = settings.sending;
  const tz = ctx.config.timeZone;
  const pool = ctx.db.pool;
  const random = opts.random ?? Math.random;
  const by = opts.workerId ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const log: Logger = ctx.log.child({ name: 'relay', account: account.name });
  const stats: WorkerStats = { sent: 0, unknown: 0, failed: 0, skipped: 0, retried: 0, throttled: 0, gapMsTotal: 0, bookkeepingMs: 0 };

  let stopping = false;
  let lockLost = false;
  let wakeUp: (() => void) | undefined;
  let lockClient: pg.PoolClient | undefined;
  // Pacing: start-to-start spacing follows the chosen gaps without drift, never below the minimum gap.
  let prevTarget: number | undefined;
  let lastStart: number | undefined;
  let beginLead = 0;
  let offlineLogged = false;
  let beginLatency = 0;
  const recent: number[] = [];
  const touched = new Map<number, { code: string; since: number }>();

  const now = () => ctx.clock.now();
  /** The worker's own connection (asynchronous commits) for everything but beginSend. */
  const q = () => lockClient ?? pool;
  async function book<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      stats.bookkeepingMs += performance.now() - t0;
    }
  }

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
    while (!stopping) {
      try {
        const c = await pool.connect();
        // A checked-out client has no error listener of the pool's: a dropped connection must
        // not become an uncaught exception.
        const onError = () => {
          if (lockClient === c) lockLost = true;
        };
        c.on('error', onError);
        let ok = false;
        try {
          ok = (await c.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [LOCK_CLASS, account.id])).rows[0].ok;
          if (ok) await c.query('SET synchronous_commit = off');
        } catch (err) {
          c.release(true);
          throw err;
        }
        if (ok) {
          lockLost = false;
          lockClient = c;
          return true;
        }
        c.removeListener('error', onError);
        c.release();
        if (!waitingLogged) log.warn('another process is sending for this account; standing by until it stops');
        waitingLogged = true;
      } catch (err) {
        log.error({ err: errorText(err) }, 'cannot reach the database to take the account lock; retrying');
      }
      await idle(s.pollMs);
    }
    return false;
  }

  function dropLock(): void {
    const c = lockClient;
    lockClient = undefined;
    // Closing the connection releases the lock (and its session settings never reach the pool).
    c?.release(true);
  }

  /** The next send slot: start-to-start spacing follows the chosen gaps, never below the minimum. */
  function nextSlot(): { target: number; gap: number } {
    const gap = Math.round(s.gapMs[0] + random() * (s.gapMs[1] - s.gapMs[0]));
    const t = now().getTime();
    let target = t;
    if (lastStart !== undefined) target = Math.max(prevTarget! + gap, lastStart + s.gapMs[0]);
    while (recent.length && recent[0] <= t - 60_000) recent.shift();
    if (recent.length >= s.perMinute) target = Math.max(target, recent[recent.length - s.perMinute] + 60_000);
    return { target, gap: lastStart === undefined ? 0 : gap };
  }

  async function sleepUntil(at: number): Promise<void> {
    const ms = at - now().getTime();
    if (ms > 0) await ctx.clock.sleep(ms);
  }

  /** Families at send (bot/ledger/audience.ts decides who counts); null when the room cannot be read. */
  async function membersAtSend(d: ClaimedDelivery, loginName: string | null): Promise<{ members: number | null; staff: number | null }> {
    try {
      const a = await readAudience(
        { pool, secret: ctx.ledgerSecret, chat: account.chat, log, now: now() },
        { id: d.groupId, kind: d.group.kind, orgUnitId: d.group.orgUnitId, ownerKey: d.group.ownerKey, roomId: d.group.roomId!, botAccountId: account.id, botName: loginName },
      );
      return { members: a.count, staff: d.group.kind === 'parent' ? a.staffCount : null };
    } catch (err) {
      log.warn({ group: d.groupId, err: errorText(err) }, 'cannot read the member list; members_at_send stays unknown');
      return { members: null, staff: null };
    }
  }

  async function say(roomId: string, out: Outgoing): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    // A real timer on purpose: a hung say() must end even when the domain clock is pinned (tests).
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`say() did not finish within ${s.sendTimeoutMs} ms`)), s.sendTimeoutMs);
    });
    try {
      await Promise.race([account.chat.sayToRoom(roomId, out), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function onThrottle(err: unknown): Promise<Date> {
    const t = await book(() => throttleAccount(pool, account.id, now(), s.throttlePausesMin, tz));
    stats.throttled++;
    log.warn({ level: t.level, until: t.until.toISOString(), err: errorText(err) }, 'WeChat throttled this account; pausing it (other accounts go on)');
    return t.until;
  }

  /** Sends one claimed delivery; the row always leaves `sending` (or is released) before return. */
  async function deliver(d: ClaimedDelivery, loginName: string | null): Promise<Outcome> {
    const dlog = log.child({ post: d.post.code, group: d.groupId });
    const reason = skipReason({ kind: d.group.kind, status: d.group.status, status_reason: d.group.statusReason, auto_forward: d.group.autoForward })
      ?? (d.group.roomId ? null : 'no WeChat room is known for this group since the last login');
    if (reason) {
      await book(() => finish(q(), d.id, 'skipped', { now: now(), error: reason, uncount: true }));
      stats.skipped++;
      dlog.info({ reason }, 'delivery skipped');
      return 'done';
    }
    const next = nextSendTime(d.post, d.group, now(), settings, tz);
    if (!next) {
      await book(() => finish(q(), d.id, 'skipped', { now: now(), error: 'no relay window opens within 60 days', uncount: true }));
      stats.skipped++;
      return 'done';
    }
    if (next > now()) {
      // Its window closed while it waited (throttle, cap, backlog): wait for the next one.
      await book(() => release(q(), [d.id], { now: now(), dueAt: next, uncount: true }));
      return 'later';
    }
    const rendered = renderPost(d.post, account.chat.capabilities());
    const members = await membersAtSend(d, loginName);
    const slot = nextSlot();
    // The durable "say began" commit is issued about one commit latency ahead of the slot, so
    // its fsync overlaps the gap instead of lengthening it.
    await sleepUntil(slot.target - beginLead);
    if (stopping || lockLost) {
      await book(() => release(q(), [d.id], { now: now(), uncount: true }));
      return 'later';
    }
    const day = localDay(now(), tz);
    const b0 = performance.now();
    const begun = await book(() =>
      beginSend(pool, { id: d.id, accountId: account.id, by, day, cap: s.dailyCap, rendering: rendered.rendering, members: members.members, staff: members.staff, now: now() }),
    );
    beginLatency = 0.8 * beginLatency + 0.2 * (performance.now() - b0);
    // Lead by a bit more than the usual latency, at most 50 ms (a crash inside the lead leaves
    // an unsent row `unknown`: safe, and a short window).
    beginLead = Math.min(1.5 * beginLatency, 50);
    if (!begun) {
      await book(() => release(q(), [d.id], { now: now(), uncount: true }));
      return 'capped';
    }
    await sleepUntil(slot.target);
    prevTarget = slot.target;
    const gap = slot.gap;
    const startedAt = now().getTime();
    lastStart = startedAt;
    recent.push(startedAt);
    stats.gapMsTotal += gap;
    stats.firstSendAt ??= performance.now();
    const [first, ...rest] = rendered.messages;
    try {
      await say(d.group.roomId!, first);
    } catch (err) {
      const text = errorText(err);
      const throttled = isThrottle(err);
      if (provablyNotSent(err)) {
        await book(() => refundCap(q(), account.id, day));
        if (throttled) {
          const until = await onThrottle(err);
          await book(() => release(q(), [d.id], { now: now(), dueAt: until, error: text, uncount: false }));
          return 'throttled';
        }
        const badTarget = (err as { opts?: { badTarget?: boolean } }).opts?.badTarget;
        if (badTarget || d.attempts >= s.maxAttempts) {
          await book(() => finish(q(), d.id, 'failed', { now: now(), error: text }));
          stats.failed++;
          dlog.warn({ err: text, attempts: d.attempts }, 'delivery failed (not sent)');
          return 'done';
        }
        const retryAt = new Date(now().getTime() + s.retryBaseMs * 2 ** (d.attempts - 1));
        await book(() => release(q(), [d.id], { now: now(), dueAt: retryAt, error: text, uncount: false }));
        stats.retried++;
        dlog.info({ err: text, retryAt: retryAt.toISOString() }, 'send refused; will retry');
        return 'done';
      }
      await book(() => finish(q(), d.id, 'unknown', { now: now(), error: `may have been sent, not resent automatically: ${text}` }));
      stats.unknown++;
      dlog.warn({ err: text }, 'send outcome unknown; reported, never resent automatically');
      if (throttled) {
        await onThrottle(err);
        return 'throttled';
      }
      return 'done';
    }
    let note: string | null = null;
    let throttledLater = false;
    for (const out of rest) {
      try {
        await say(d.group.roomId!, out);
      } catch (err) {
        note = `the post went out; a follow-up (${out.type}) failed: ${errorText(err)}`;
        throttledLater = isThrottle(err);
        dlog.warn({ err: errorText(err) }, 'follow-up message failed');
        break;
      }
    }
    await book(() => finish(q(), d.id, 'sent', { now: now(), error: note }));
    stats.sent++;
    stats.lastSendAt = performance.now();
    if (throttledLater) {
      await onThrottle(new Error(note!));
      return 'throttled';
    }
    return 'sent';
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
    while (!stopping) {
      if (lockLost) {
        log.warn('the database connection holding the account lock failed; taking the lock again');
        dropLock();
        if (!(await acquireLock())) return;
        needRecover = true;
      }
      try {
        if (needRecover) {
          const rec = await recoverSending(q(), account.id, now());
          if (rec.requeued || rec.unknown) log.warn(rec, 'recovered deliveries left in sending (by a stopped process or a failed connection)');
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
          if (stopping || lockLost || (opts.online && !opts.online())) {
            await book(() => release(q(), batch.slice(i).map((x) => x.id), { now: now(), uncount: true }));
            break;
          }
          const outcome = await deliver(d, acct.login_name);
          const tp = touched.get(d.postId) ?? { code: d.post.code, since: 0 };
          tp.since++;
          touched.set(d.postId, tp);
          if (outcome === 'throttled' || outcome === 'capped') {
            await book(() => release(q(), batch.slice(i + 1).map((x) => x.id), { now: now(), uncount: true }));
            break;
          }
        }
        await logProgress(false);
      } catch (err) {
        log.error({ err: errorText(err) }, 'relay loop error (database?); retrying shortly');
        // Start again on a fresh connection; rows this loop held go back to pending (never begun)
        // or become unknown (begun) once the database answers again.
        lockLost = true;
        await idle(s.pollMs);
      }
    }
  }

  const done = loop()
    .catch((err) => log.error({ err: errorText(err) }, 'relay worker stopped by an error'))
    .finally(() => dropLock());

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
