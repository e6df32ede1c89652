// Scheduled job "poll-feeds" (never rename the id): polls every configured feed. Polling twice is
// harmless (posts are deduplicated by canonical key), so several processes need no coordination.
import { schedule, type ScheduledTask } from 'node-cron';
import type { AppContext } from '../bot/app.ts';
import type { Post } from '../bot/db/client.ts';
import type { SourcesConfig } from '../bot/sources/config.ts';
import { pollAllFeeds, type FeedPollResult } from '../bot/sources/feeds.ts';

export const id = 'poll-feeds';

/** The cron expression for a poll every `minutes` (5–1440). */
export function cronFor(minutes: number): string {
  if (minutes >= 60) return `0 */${Math.min(Math.floor(minutes / 60), 23)} * * *`;
  return `*/${minutes} * * * *`;
}

/** One run: polls every feed; never throws (each feed's failure is logged by pollFeed). */
export async function run(
  ctx: AppContext,
  sources: SourcesConfig,
  onPostCaptured?: (post: Post) => Promise<void> | void,
): Promise<FeedPollResult[]> {
  const log = ctx.log.child({ name: 'job', job: id });
  if (sources.feeds.length === 0) {
    log.debug('no feeds configured');
    return [];
  }
  const results = await pollAllFeeds(ctx, sources, { onPostCaptured });
  log.info({ feeds: results.length, failed: results.filter((r) => r.status === 'failed').length, created: results.reduce((n, r) => n + r.created, 0) }, 'feeds polled');
  return results;
}

/** Starts the job (Asia/Shanghai unless configured otherwise); stop it with task.stop(). */
export function start(
  ctx: AppContext,
  sources: SourcesConfig,
  onPostCaptured?: (post: Post) => Promise<void> | void,
): ScheduledTask {
  return schedule(cronFor(sources.pollMinutes), () => run(ctx, sources, onPostCaptured).then(() => undefined), {
    name: id,
    timezone: ctx.config.timeZone,
    noOverlap: true,
  });
}
