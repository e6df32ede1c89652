// The relay worker's third step: write what happened to the delivery log. Every write is guarded
// by the claim (deliveries.ts finish/release): a worker that lost its claim records nothing and
// says so. Also the throttle backoff and the refund of a daily-cap slot for a refused send.
// A write that fails because the database is away is kept in memory and replayed when the worker
// has its connection back (`replay`), so a send made just before an outage ends `sent`, not `unknown`.
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import { isDatabaseDown } from '../core/outage.ts';
import type { Logger } from '../log.ts';
import { finish, refundCap, release, type ClaimedDelivery, type Final, type Queryable } from './deliveries.ts';
import type { SendResult } from './send.ts';
import type { RelaySettings } from './settings.ts';
import { throttleAccount } from './throttle.ts';
import type { WorkerStats } from './worker.ts';

/** What the loop does next: go on, or stop this batch (throttled: pause the account; capped: cap reached). */
export type Outcome = 'sent' | 'done' | 'throttled' | 'capped' | 'later';

export interface RecorderDeps {
  /** The worker's own connection (asynchronous commits), or the pool. */
  q: () => Queryable;
  pool: pg.Pool;
  accountId: number;
  /** This worker's claimed_by. */
  by: string;
  clock: Clock;
  settings: RelaySettings['sending'];
  tz: string;
  stats: WorkerStats;
  log: Logger;
  /** Times a bookkeeping statement (stats.bookkeepingMs). */
  book: <T>(fn: () => Promise<T>) => Promise<T>;
}

export type Recorder = ReturnType<typeof createRecorder>;

/** The delivery-log writes of one worker. */
export function createRecorder(deps: RecorderDeps) {
  const { q, by, clock, stats, log, book } = deps;
  const s = deps.settings;
  const now = () => clock.now();
  /** Writes that failed because the database was away, oldest first (see `replay`). */
  const unrecorded: (() => Promise<void>)[] = [];

  /** Runs a write; if the database is away, keeps it for `replay` (and still throws to the loop). */
  async function remembered(write: () => Promise<void>): Promise<void> {
    try {
      await write();
    } catch (err) {
      if (isDatabaseDown(err)) unrecorded.push(write);
      throw err;
    }
  }

  function lost(d: ClaimedDelivery, what: string): void {
    log.warn({ post: d.post.code, group: d.groupId, delivery: d.id, by }, `the claim on this delivery was lost (another process recovered it); ${what} not recorded`);
  }

  // The time is taken once: a replayed "sent" keeps the moment of the send (confirmations count from it).
  async function end(d: ClaimedDelivery, status: Final, opts: { error?: string | null; uncount?: boolean }): Promise<void> {
    const at = now();
    await remembered(async () => {
      if (!(await book(() => finish(q(), { id: d.id, by }, status, { now: at, ...opts })))) lost(d, `outcome "${status}"`);
    });
  }

  async function back(d: ClaimedDelivery, opts: { dueAt?: Date; error?: string | null; uncount: boolean }): Promise<void> {
    const at = now();
    await remembered(async () => {
      if (!(await book(() => release(q(), [d.id], by, { now: at, ...opts })))) lost(d, 'release');
    });
  }

  async function throttle(error: string): Promise<Date> {
    const t = await book(() => throttleAccount(deps.pool, deps.accountId, now(), s.throttlePausesMin, deps.tz));
    stats.throttled++;
    log.warn({ level: t.level, until: t.until.toISOString(), err: error }, 'WeChat throttled this account; pausing it (other accounts go on)');
    return t.until;
  }

  return {
    /**
     * Writes what could not be written while the database was away (in order); returns how many.
     * Run on the worker's new connection before recoverSending, which would call those rows unknown.
     */
    async replay(): Promise<number> {
      let n = 0;
      while (unrecorded.length) {
        await unrecorded[0]();
        unrecorded.shift();
        n++;
      }
      return n;
    },

    /** The group cannot get it: `skipped` with the reason (the claim's attempt is taken back). */
    async skipped(d: ClaimedDelivery, reason: string): Promise<Outcome> {
      await end(d, 'skipped', { error: reason, uncount: true });
      stats.skipped++;
      log.info({ post: d.post.code, group: d.groupId, reason }, 'delivery skipped');
      return 'done';
    },

    /** Not tried: back to pending (due at `at` when given), the attempt taken back. */
    async notTried(d: ClaimedDelivery, at?: Date): Promise<void> {
      await back(d, { dueAt: at, uncount: true });
    },

    /** Rows of a batch that were not reached (stop, throttle, cap): back to pending. */
    async notReached(rows: ClaimedDelivery[]): Promise<void> {
      await book(() => release(q(), rows.map((x) => x.id), by, { now: now(), uncount: true }));
    },

    /**
     * Refused because the room id is gone (the session ended, or a re-login gave the group a new
     * room): not a failure. Back to pending (the attempt taken back, the cap slot refunded); it is
     * sent to the group's new room once the account is logged in and re-matched.
     */
    async staleTarget(d: ClaimedDelivery, day: string, error: string): Promise<Outcome> {
      await book(() => refundCap(q(), deps.accountId, day));
      await back(d, { dueAt: new Date(now().getTime() + s.pollMs), error: `the room id was gone (re-login?); waits for the re-match: ${error}`, uncount: true });
      log.info({ post: d.post.code, group: d.groupId, err: error }, 'send refused: the room id is gone; the delivery waits for the re-match');
      return 'later';
    },

    /** Turns a send result into the row's next state; `day` is the cap day beginSend counted. */
    async sendResult(d: ClaimedDelivery, day: string, r: SendResult): Promise<Outcome> {
      const dlog = log.child({ post: d.post.code, group: d.groupId });
      if (r.outcome === 'refused') {
        await book(() => refundCap(q(), deps.accountId, day));
        if (r.throttled) {
          const until = await throttle(r.error);
          await back(d, { dueAt: until, error: r.error, uncount: false });
          return 'throttled';
        }
        if (r.badTarget || d.attempts >= s.maxAttempts) {
          await end(d, 'failed', { error: r.error });
          stats.failed++;
          dlog.warn({ err: r.error, attempts: d.attempts }, 'delivery failed (not sent)');
          return 'done';
        }
        const retryAt = new Date(now().getTime() + s.retryBaseMs * 2 ** (d.attempts - 1));
        await back(d, { dueAt: retryAt, error: r.error, uncount: false });
        stats.retried++;
        dlog.info({ err: r.error, retryAt: retryAt.toISOString() }, 'send refused; will retry');
        return 'done';
      }
      if (r.outcome === 'unknown') {
        stats.unknown++;
        await end(d, 'unknown', { error: `may have been sent, not resent automatically: ${r.error}` });
        dlog.warn({ err: r.error }, 'send outcome unknown; reported, never resent automatically');
        if (!r.throttled) return 'done';
        await throttle(r.error);
        return 'throttled';
      }
      if (r.followUpError) dlog.warn({ err: r.followUpError }, 'follow-up message failed');
      stats.sent++;
      stats.lastSendAt = performance.now();
      await end(d, 'sent', { error: r.followUpError });
      if (!r.throttled) return 'sent';
      await throttle(r.followUpError!);
      return 'throttled';
    },
  };
}
