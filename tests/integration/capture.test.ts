import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../bot/app.ts';
import { fixedClock } from '../../bot/clock.ts';
import { loadConfig } from '../../bot/config.ts';
import { capturePost, ensureSource } from '../../bot/sources/capture.ts';
import pollFeedsJob, { cronFor, pollFeeds } from '../../schedules/poll-feeds.ts';
import { cronOf } from '../../bot/core/scheduler.ts';
import { jobContext } from '../helpers/job-context.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { captureLog } from '../helpers/log.ts';
import { contentSettings } from '../../bot/core/settings.ts';

let db: TestDb;
let ctx: AppContext;
beforeAll(async () => {
  db = await freshDb();
  ctx = { db, clock: fixedClock('2026-11-23T09:00:00+08:00'), log: captureLog().log, config: loadConfig({}), settings: contentSettings(), ledgerSecret: db.ledgerSecret };
});
afterAll(async () => db.drop());

describe('capturing posts', () => {
  it('many sources racing with the same article make one post and one origin each', async () => {
    const sources = await Promise.all(
      ['official:国家反诈中心', 'official:钦州反诈', 'feed:https://a.example/rss', 'forward:admins'].map((key, i) =>
        ensureSource(db.prisma, { kind: (['official', 'official', 'feed', 'forward'] as const)[i], scope: 'city', name: key, key })),
    );
    const item = { kind: 'article' as const, title: '同一篇', url: 'https://mp.weixin.qq.com/s?__biz=Q&mid=9&idx=1&sn=1' };
    const results = await Promise.all(sources.flatMap((s) => [capturePost(db.prisma, s, item, ctx.clock.now()), capturePost(db.prisma, s, item, ctx.clock.now())]));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.post.id)).size).toBe(1);
    expect(await db.prisma.post.count()).toBe(1);
    expect(await db.prisma.postOrigin.count()).toBe(4);
  });

  it('hands out post codes without gaps: a repeated article or a race uses up no code', async () => {
    const src = await ensureSource(db.prisma, { kind: 'official', scope: 'national', name: '国家反诈中心', key: 'official:国家反诈中心' });
    const item = (n: number) => ({ kind: 'article' as const, title: `第${n}篇`, url: `https://mp.weixin.qq.com/s?__biz=G&mid=${n}&idx=1&sn=x` });
    const codes: string[] = [];
    for (const n of [1, 1, 2, 2, 2, 3]) codes.push((await capturePost(db.prisma, src, item(n), ctx.clock.now())).post.code);
    // Racing captures of one new article, then another new one.
    const raced = await Promise.all(Array.from({ length: 6 }, () => capturePost(db.prisma, src, item(4), ctx.clock.now())));
    codes.push(raced[0].post.code, (await capturePost(db.prisma, src, item(5), ctx.clock.now())).post.code);
    expect(raced.filter((r) => r.created)).toHaveLength(1);
    const n = codes.map((c) => Number(c.slice(1)));
    const first = n[0];
    expect(n).toEqual([first, first, first + 1, first + 1, first + 1, first + 2, first + 3, first + 4]);
  });

  it('the poll-feeds job has a cron expression per interval and does nothing without feeds', async () => {
    expect(cronFor(30)).toBe('*/30 * * * *');
    expect(cronFor(120)).toBe('0 */2 * * *');
    const jctx = jobContext(ctx);
    expect(await pollFeeds(jctx)).toEqual([]);
    // Its interval comes from the sources settings, like every job's cron from the job context.
    expect(cronOf(pollFeedsJob, { ...jctx.settings, sources: { ...jctx.settings.sources, pollMinutes: 15 } })).toBe('*/15 * * * *');
  });
});
