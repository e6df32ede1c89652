// The daily budget and the throttle pause of one account, for what it sends besides relay posts
// (reminders, private lists, notices, command replies). The relay worker reserves its posts' slots
// in beginSend (deliveries.ts); this takes slots of the same `bot_account.sent_today` counter, so
// every message of the account counts against one daily cap.
import type pg from 'pg';
import type { Clock } from '../clock.ts';
import { localDay } from '../core/time.ts';
import { refundCap } from './deliveries.ts';
import type { RelaySettings } from './settings.ts';
import { throttleAccount } from './throttle.ts';

/** What the paced ChatPort asks before and after each send. */
export interface SendBudget {
  /**
   * Takes one slot of today's budget; `reply`: always granted (a command reply is answered even
   * when the cap is reached or the account is paused, but still counts). Gives the day the slot
   * was counted on (for `refund`), or why it was refused.
   */
  take(reply: boolean): Promise<{ day: string } | { refused: string }>;
  /** Gives back a slot whose send provably did not happen. */
  refund(day: string): Promise<void>;
  /** WeChat answered "too fast": the account pauses (15 min → 1 h → next day), worker included. */
  throttled(): Promise<void>;
}

/** The budget of account `accountId` in the database behind `pool`. */
export function accountBudget(
  pool: pg.Pool,
  accountId: number,
  s: Pick<RelaySettings['sending'], 'dailyCap' | 'throttlePausesMin'>,
  tz: string,
  clock: Clock,
): SendBudget {
  return {
    async take(reply) {
      const now = clock.now();
      const day = localDay(now, tz);
      const { rows } = await pool.query<{ ok: boolean; paused: boolean }>(
        `WITH a AS (SELECT id, throttled_until > $4 AS paused,
                           sent_day IS DISTINCT FROM $2 OR sent_today < $3 AS room
                      FROM bot_account WHERE id = $1),
              u AS (UPDATE bot_account b
                       SET sent_day = $2, sent_today = CASE WHEN b.sent_day = $2 THEN b.sent_today + 1 ELSE 1 END
                      FROM a
                     WHERE b.id = a.id AND ($5 OR (a.room AND a.paused IS NOT TRUE))
                 RETURNING 1)
         SELECT EXISTS (SELECT 1 FROM u) AS ok, coalesce((SELECT paused FROM a), false) AS paused`,
        [accountId, day, s.dailyCap, now, reply],
      );
      const r = rows[0];
      if (r?.ok) return { day };
      return { refused: r?.paused ? 'the account is paused after WeChat said it sends too fast' : `the daily cap of ${s.dailyCap} messages is reached` };
    },
    refund: (day) => refundCap(pool, accountId, day),
    async throttled() {
      await throttleAccount(pool, accountId, clock.now(), s.throttlePausesMin, tz);
    },
  };
}
