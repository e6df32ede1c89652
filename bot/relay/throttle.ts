// Throttle answers and the per-account backoff (15 min → 1 h → next local day).
import type pg from 'pg';
import { SendError } from '../chat-types.ts';
import { localParts, nextLocalMidnight, zonedTime } from '../core/time.ts';

const THROTTLE_TEXT = /\b1205\b|发送消息过于频繁|操作过于频繁/;

function texts(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let i = 0; e && i < 4; i++) {
    parts.push(String((e as Error).message ?? e));
    e = (e as { cause?: unknown }).cause;
  }
  return parts.join(' | ');
}

/** True when WeChat answered "too fast" (SendError.throttled, Ret 1205, 发送消息过于频繁, 操作过于频繁). */
export function isThrottle(err: unknown): boolean {
  if (err instanceof SendError && err.opts.throttled) return true;
  return THROTTLE_TEXT.test(texts(err));
}

/** One line for the delivery log. */
export function errorText(err: unknown): string {
  return texts(err).slice(0, 500);
}

/** The pause for backoff `level` (1-based): the configured steps, then until the next local day. */
export function throttlePause(level: number, now: Date, pausesMin: number[], tz: string): Date {
  if (level <= pausesMin.length) return new Date(now.getTime() + pausesMin[level - 1] * 60_000);
  return nextLocalMidnight(now, tz);
}

/**
 * Records a throttle answer for an account: the level steps up within a local day and starts
 * again from the first step on a new day. Returns the level and the end of the pause.
 */
export async function throttleAccount(
  pool: pg.Pool,
  accountId: number,
  now: Date,
  pausesMin: number[],
  tz: string,
): Promise<{ level: number; until: Date }> {
  const { rows } = await pool.query<{ throttle_level: number; throttled_until: Date | null }>(
    'SELECT throttle_level, throttled_until FROM bot_account WHERE id = $1',
    [accountId],
  );
  const p = localParts(now, tz);
  const dayStart = zonedTime(p.year, p.month, p.day, 0, 0, tz);
  const prev = rows[0];
  const base = prev?.throttled_until && prev.throttled_until > dayStart ? prev.throttle_level : 0;
  const level = base + 1;
  const until = throttlePause(level, now, pausesMin, tz);
  await pool.query('UPDATE bot_account SET throttle_level = $2, throttled_until = $3 WHERE id = $1', [accountId, level, until]);
  return { level, until };
}
