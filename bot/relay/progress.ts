// Fan-out progress of one post: sent/total per account, throttled accounts, and an ETA from the
// rate limits (remaining × mean gap, after any throttle pause; beyond the daily cap: next days).
import type { AppContext } from '../app.ts';
import type { RelaySettings } from './settings.ts';

export interface AccountProgress {
  account: string;
  total: number;
  sent: number;
  pending: number;
  unknown: number;
  failed: number;
  skipped: number;
  throttledUntil: string | null;
  etaMin: number;
}

export interface FanoutProgress {
  total: number;
  sent: number;
  remaining: number;
  accounts: AccountProgress[];
  throttled: string[];
  etaMin: number;
}

/** Counts the delivery log of `postId` per account and estimates the time to finish. */
export async function fanoutProgress(ctx: AppContext, postId: number, settings: RelaySettings): Promise<FanoutProgress> {
  const { rows } = await ctx.db.pool.query(
    `SELECT a.name, a.throttled_until, a.sent_day, a.sent_today,
            count(*)::int AS total,
            count(*) FILTER (WHERE d.status = 'sent')::int AS sent,
            count(*) FILTER (WHERE d.status IN ('pending', 'sending'))::int AS pending,
            count(*) FILTER (WHERE d.status = 'unknown')::int AS unknown,
            count(*) FILTER (WHERE d.status = 'failed')::int AS failed,
            count(*) FILTER (WHERE d.status = 'skipped')::int AS skipped
       FROM delivery d JOIN bot_account a ON a.id = d.bot_account_id
      WHERE d.post_id = $1
      GROUP BY a.id ORDER BY a.name`,
    [postId],
  );
  const now = ctx.clock.now().getTime();
  const s = settings.sending;
  const perSend = Math.max((s.gapMs[0] + s.gapMs[1]) / 2, 60_000 / s.perMinute);
  const accounts: AccountProgress[] = rows.map((r) => {
    const pause = r.throttled_until && r.throttled_until.getTime() > now ? r.throttled_until.getTime() - now : 0;
    const extraDays = Math.floor(Math.max(0, r.pending - 1) / s.dailyCap);
    const etaMs = pause + r.pending * perSend + extraDays * 86_400_000;
    return {
      account: r.name,
      total: r.total,
      sent: r.sent,
      pending: r.pending,
      unknown: r.unknown,
      failed: r.failed,
      skipped: r.skipped,
      throttledUntil: pause ? r.throttled_until.toISOString() : null,
      etaMin: Math.ceil(etaMs / 60_000),
    };
  });
  return {
    total: accounts.reduce((n, a) => n + a.total, 0),
    sent: accounts.reduce((n, a) => n + a.sent, 0),
    remaining: accounts.reduce((n, a) => n + a.pending, 0),
    accounts,
    throttled: accounts.filter((a) => a.throttledUntil).map((a) => a.account),
    etaMin: Math.max(0, ...accounts.map((a) => a.etaMin)),
  };
}

/** One log line: "fan-out 812/1500 sent; relay-1 300/500, relay-2 (throttled) 212/500 …; ETA 42 min". */
export function formatProgress(p: FanoutProgress): string {
  const per = p.accounts.map((a) => `${a.account}${a.throttledUntil ? ' (throttled)' : ''} ${a.sent}/${a.total}`).join(', ');
  return `fan-out ${p.sent}/${p.total} sent; ${per}; ETA ${p.etaMin} min`;
}
