// Scheduled job "poll-feeds" (never rename the id): polls every configured feed, every
// SOURCES_FILE/content/sources.yml `pollMinutes`. Like every job it runs under the scheduler, so a
// slot is polled by one process; a captured post goes to planning through the job context.
import type { JobContext, ScheduledJob } from '../bot/core/scheduler.ts';
import { pollAllFeeds, type FeedPollResult } from '../bot/sources/feeds.ts';

export const id = 'poll-feeds';

/** The cron expression for a poll every `minutes` (5–1440). */
export function cronFor(minutes: number): string {
  if (minutes >= 60) return `0 */${Math.min(Math.floor(minutes / 60), 23)} * * *`;
  return `*/${minutes} * * * *`;
}

/** One run: polls every feed; never throws (each feed's failure is logged by pollFeed). */
export async function pollFeeds(ctx: JobContext): Promise<FeedPollResult[]> {
  const log = ctx.log.child({ name: 'job', job: id });
  const sources = ctx.settings.sources;
  if (sources.feeds.length === 0) {
    log.debug('no feeds configured');
    return [];
  }
  const results = await pollAllFeeds(ctx, sources, { onPostCaptured: ctx.onPostCaptured });
  log.info({ feeds: results.length, failed: results.filter((r) => r.status === 'failed').length, created: results.reduce((n, r) => n + r.created, 0) }, 'feeds polled');
  return results;
}

const job: ScheduledJob = {
  id,
  cron: (settings) => cronFor(settings.sources.pollMinutes),
  description: 'poll the configured RSS/Atom/JSON feeds for new posts',
  run: async (ctx) => {
    await pollFeeds(ctx);
  },
};

export default job;
