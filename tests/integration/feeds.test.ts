import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppContext } from '../../bot/app.ts';
import { fixedClock } from '../../bot/clock.ts';
import { loadConfig } from '../../bot/config.ts';
import type { Post } from '../../bot/db/client.ts';
import type { SourcesConfig } from '../../bot/sources/config.ts';
import { pollAllFeeds } from '../../bot/sources/feeds.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { captureLog } from '../helpers/log.ts';
import { contentSettings } from '../../bot/core/settings.ts';

const RSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>国家反诈中心(镜像)</title>
<item><title>警惕!新型刷单诈骗</title><link>https://mp.weixin.qq.com/s?__biz=MzI1NjA0&amp;mid=2247501&amp;idx=1&amp;sn=abc</link>
<description><![CDATA[<p>刷单就是<b>诈骗</b></p>]]></description><guid>a1</guid><pubDate>Mon, 23 Nov 2026 10:00:00 +0800</pubDate></item>
<item><title>冒充客服退款诈骗</title><link>https://mp.weixin.qq.com/s?__biz=MzI1NjA0&amp;mid=2247501&amp;idx=2</link><description>退款要走官方渠道</description><guid>a2</guid></item>
<item><description>no title, no link: still a post by its text</description></item>
</channel></rss>`;
const ATOM = `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>钦州反诈</title>
<entry><id>tag:qz,1</id><title>钦州警方提醒</title><link href="https://mp.weixin.qq.com/s?__biz=MzI1NjA0&amp;mid=2247501&amp;idx=1&amp;chksm=zz"/><summary>同一篇文章</summary><updated>2026-11-22T00:00:00Z</updated></entry>
</feed>`;
const JSONFEED = JSON.stringify({ version: 'https://jsonfeed.org/version/1.1', title: 'j', items: [{ id: 'j1', url: 'https://www.qzedu.cn/fz/1.html', title: '致家长的一封信', content_text: '请家长提醒孩子' }] });

let db: TestDb;
let server: http.Server;
let base: string;
const hits: Record<string, number> = {};
beforeAll(async () => {
  db = await freshDb();
  server = http.createServer((req, res) => {
    hits[req.url!] = (hits[req.url!] ?? 0) + 1;
    switch (req.url) {
      case '/rss':
        if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304).end();
        return void res.writeHead(200, { 'content-type': 'application/rss+xml', etag: '"v1"' }).end(RSS);
      case '/atom':
        return void res.writeHead(200, { 'content-type': 'application/atom+xml' }).end(ATOM);
      case '/json':
        return void res.writeHead(200, { 'content-type': 'application/feed+json' }).end(JSONFEED);
      case '/html':
        return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><h1>404 页面不存在</h1></body></html>');
      case '/500':
        return void res.writeHead(500).end('oops');
      case '/slow':
        return void setTimeout(() => res.writeHead(200).end(RSS), 5_000).unref();
      case '/endless': {
        res.writeHead(200, { 'content-type': 'application/rss+xml' });
        const chunk = Buffer.alloc(64 * 1024, 'a');
        const pump = () => { while (res.write(chunk)); };
        res.on('drain', pump);
        pump();
        req.on('close', () => res.destroy());
        return;
      }
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await db.drop();
});

function ctxWith() {
  const cap = captureLog('debug');
  const ctx: AppContext = { db, clock: fixedClock('2026-11-23T09:00:00+08:00'), log: cap.log, config: loadConfig({}), settings: contentSettings(), ledgerSecret: db.ledgerSecret };
  return { ctx, cap };
}
const cfg = (paths: string[]): SourcesConfig => ({ channels: [], admins: [], pollMinutes: 30, feeds: paths.map((p) => ({ url: base + p, scope: 'national' as const })) });

describe('feed polling', () => {
  it('captures RSS, Atom and JSON Feed items once; the same article in two feeds is one post', async () => {
    const { ctx } = ctxWith();
    const seen: Post[] = [];
    const r = await pollAllFeeds(ctx, cfg(['/rss', '/atom', '/json']), { onPostCaptured: (p) => void seen.push(p) });
    expect(r.map((x) => [x.status, x.seen, x.created])).toEqual([['captured', 3, 3], ['captured', 1, 0], ['captured', 1, 1]]);
    const posts = await db.prisma.post.findMany({ orderBy: { id: 'asc' } });
    expect(posts.map((p) => p.canonicalKey)).toEqual(['wx:MzI1NjA0/2247501/1', 'wx:MzI1NjA0/2247501/2', expect.stringMatching(/^sha256:/), 'url:qzedu.cn/fz/1.html']);
    expect(posts[0].summary).toBe('刷单就是 诈骗');
    expect(posts[0].url).toBe('https://mp.weixin.qq.com/s?__biz=MzI1NjA0&mid=2247501&idx=1&sn=abc');
    expect(seen).toHaveLength(4);
    expect(await db.prisma.postOrigin.count({ where: { postId: posts[0].id } })).toBe(2);
  });

  it('asks conditionally the next time (304: nothing to do)', async () => {
    const { ctx } = ctxWith();
    const before = hits['/rss'];
    const [r] = await pollAllFeeds(ctx, cfg(['/rss']));
    expect(r.status).toBe('not_modified');
    expect(hits['/rss']).toBe(before + 1);
    expect(await db.prisma.post.count()).toBe(4);
  });

  it('a broken, failing, slow or endless feed is logged and never stops the others', async () => {
    const { ctx, cap } = ctxWith();
    const r = await pollAllFeeds(ctx, cfg(['/html', '/500', '/slow', '/endless', '/json']), { timeoutMs: 1_000, maxBytes: 256 * 1024 });
    expect(r.map((x) => x.status)).toEqual(['failed', 'failed', 'failed', 'failed', 'captured']);
    expect(r[0].error).toContain('not a feed');
    expect(r[0].error).toContain('text/html');
    expect(r[1].error).toBe('HTTP 500 Internal Server Error');
    expect(r[2].error).toBe('timed out after 1000 ms');
    expect(r[3].error).toMatch(/body larger than 262144 bytes/);
    const src = await db.prisma.source.findUniqueOrThrow({ where: { key: `feed:${base}/500` } });
    expect(src.lastError).toBe('HTTP 500 Internal Server Error');
    expect(cap.messages().filter((m) => m === 'feed poll failed; it is retried at the next poll')).toHaveLength(4);
    expect(await db.prisma.post.count()).toBe(4);
  });
});
