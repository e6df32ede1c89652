// Feed subscriptions (RSS, Atom, RDF, JSON Feed) polled with conditional requests. A broken, slow
// or hostile feed is logged, remembered in source.last_error and retried next time; it never stops
// the others. Parsing is feedsmith's (a kept library), never hand-written XML.
import { parseFeed } from 'feedsmith';
import { z } from 'zod';
import type { AppContext } from '../app.ts';
import type { Post, Source } from '../db/client.ts';
import { capturePost, ensureSource, type CapturedItem } from './capture.ts';
import type { SourcesConfig } from './config.ts';

export const FEED_TIMEOUT_MS = 20_000;
export const FEED_MAX_BYTES = 5 * 1024 * 1024;
/** Items per poll at most (a feed that suddenly lists thousands is cut, not trusted). */
export const FEED_MAX_ITEMS = 50;

export interface FeedPollResult {
  source: string;
  status: 'captured' | 'not_modified' | 'failed';
  created: number;
  seen: number;
  error?: string;
}

export interface FeedPollOptions {
  timeoutMs?: number;
  maxBytes?: number;
  onPostCaptured?: (post: Post) => Promise<void> | void;
}

/** Text of a parsed value that may be a string or `{ value }` (Atom text constructs). */
function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && 'value' in v && typeof (v as { value: unknown }).value === 'string') return (v as { value: string }).value;
  return '';
}

const stripHtml = (s: string) => s.replace(/<[^>]*>/g, ' ').replace(/&nbsp;/g, ' ').replace(/\s+/g, ' ').trim();

const itemSchema = z.object({
  title: z.string().trim().min(1),
  url: z.string().url().optional(),
  summary: z.string(),
  externalId: z.string(),
  publishedAt: z.date().optional(),
});

function date(v: unknown): Date | undefined {
  const s = textOf(v);
  if (!s) return undefined;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** Turns any parsed feed into plain items (invalid ones are dropped). */
export function feedItems(parsed: ReturnType<typeof parseFeed>): z.output<typeof itemSchema>[] {
  const out: z.output<typeof itemSchema>[] = [];
  const raw: Record<string, unknown>[] =
    parsed.format === 'atom'
      ? ((parsed.feed as { entries?: Record<string, unknown>[] }).entries ?? [])
      : ((parsed.feed as { items?: Record<string, unknown>[] }).items ?? []);
  for (const it of raw.slice(0, FEED_MAX_ITEMS)) {
    let url: string | undefined;
    if (parsed.format === 'atom') {
      const links = (it.links as { href?: string; rel?: string }[] | undefined) ?? [];
      url = (links.find((l) => !l.rel || l.rel === 'alternate') ?? links[0])?.href;
    } else if (parsed.format === 'json') url = textOf(it.url) || textOf(it.external_url) || undefined;
    else url = textOf(it.link) || undefined;
    const summary = stripHtml(
      textOf(it.summary) || textOf(it.description) || textOf(it.content_text) || textOf(it.content_html) || textOf((it.content as { encoded?: string })?.encoded),
    ).slice(0, 500);
    const candidate = {
      title: stripHtml(textOf(it.title)) || summary.slice(0, 40),
      url: url?.trim() || undefined,
      summary,
      externalId: textOf(it.id) || textOf((it.guid as { value?: string })?.value) || textOf(it.guid) || url || '',
      publishedAt: date(it.published) ?? date(it.updated) ?? date(it.pubDate) ?? date(it.date_published) ?? date((it.dc as { date?: string })?.date),
    };
    const r = itemSchema.safeParse(candidate);
    if (r.success) out.push(r.data);
  }
  return out;
}

/** Reads a response body up to `max` bytes; a longer (or endless) body is refused. */
async function readLimited(res: Response, max: number, signal: AbortSignal): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      if (signal.aborted) throw new Error('timed out reading the body');
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > max) throw new Error(`body larger than ${max} bytes`);
      chunks.push(value);
    }
  } finally {
    reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Polls one feed source: conditional GET, parse, capture new items. Never throws. */
export async function pollFeed(ctx: AppContext, source: Source, opts: FeedPollOptions = {}): Promise<FeedPollResult> {
  const log = ctx.log.child({ name: 'feeds', source: source.key });
  const prisma = ctx.db.prisma;
  const url = (source.settings as { url?: string }).url ?? source.key.replace(/^feed:/, '');
  const headers: Record<string, string> = {
    accept: 'application/rss+xml, application/atom+xml, application/feed+json, application/json, application/xml;q=0.9, */*;q=0.5',
    'user-agent': 'antifraud-relay (feed poller)',
  };
  if (source.etag) headers['if-none-match'] = source.etag;
  if (source.lastModified) headers['if-modified-since'] = source.lastModified;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs ?? FEED_TIMEOUT_MS);
  const at = ctx.clock.now();
  try {
    const res = await fetch(url, { headers, signal: controller.signal, redirect: 'follow' });
    if (res.status === 304) {
      await res.body?.cancel();
      await prisma.source.update({ where: { id: source.id }, data: { lastPolledAt: at, lastError: null } });
      log.debug('feed not modified');
      return { source: source.key, status: 'not_modified', created: 0, seen: 0 };
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new Error(`HTTP ${res.status} ${res.statusText}`.trim());
    }
    const body = await readLimited(res, opts.maxBytes ?? FEED_MAX_BYTES, controller.signal);
    let parsed: ReturnType<typeof parseFeed>;
    try {
      parsed = parseFeed(body);
    } catch (err) {
      throw new Error(`not a feed (${(err as Error).message}); the URL returned ${res.headers.get('content-type') ?? 'no content type'}`);
    }
    const items = feedItems(parsed);
    let created = 0;
    for (const it of items) {
      const item: CapturedItem = {
        kind: 'article', title: it.title, summary: it.summary, url: it.url, externalId: it.externalId, publishedAt: it.publishedAt,
      };
      const r = await capturePost(prisma, source, item, at);
      if (r.created) {
        created++;
        await opts.onPostCaptured?.(r.post);
      }
    }
    await prisma.source.update({
      where: { id: source.id },
      data: { lastPolledAt: at, lastError: null, etag: res.headers.get('etag'), lastModified: res.headers.get('last-modified') },
    });
    log.info({ items: items.length, created }, 'feed polled');
    return { source: source.key, status: 'captured', created, seen: items.length };
  } catch (err) {
    const message = controller.signal.aborted ? `timed out after ${opts.timeoutMs ?? FEED_TIMEOUT_MS} ms` : (err as Error).message;
    log.warn({ error: message, url }, 'feed poll failed; it is retried at the next poll');
    await prisma.source.update({ where: { id: source.id }, data: { lastPolledAt: at, lastError: message.slice(0, 500) } }).catch(() => undefined);
    return { source: source.key, status: 'failed', created: 0, seen: 0, error: message };
  } finally {
    clearTimeout(timer);
  }
}

/** Makes sure every configured feed has its source row; returns the enabled feed sources. */
export async function syncFeedSources(ctx: AppContext, config: SourcesConfig): Promise<Source[]> {
  const out: Source[] = [];
  for (const f of config.feeds) {
    const s = await ensureSource(ctx.db.prisma, { kind: 'feed', scope: f.scope, name: f.name ?? f.url, key: `feed:${f.url}` });
    if (s.enabled) out.push(s);
  }
  return out;
}

/** Polls every configured feed, one after another; one feed's failure never stops the others. */
export async function pollAllFeeds(ctx: AppContext, config: SourcesConfig, opts: FeedPollOptions = {}): Promise<FeedPollResult[]> {
  const results: FeedPollResult[] = [];
  for (const s of await syncFeedSources(ctx, config)) results.push(await pollFeed(ctx, s, opts));
  return results;
}
