// One canonical key per piece of content, so the same article from two channels (or twice) is
// one post: mp.weixin.qq.com articles by __biz/mid/idx, other URLs normalised, else a text hash.
import crypto from 'node:crypto';

const TRACKING = /^(utm_\w+|chksm|scene|sharer_\w+|clicktime|enterid|from|isappinstalled|nettype|version|ascene|devicetype|lang|pass_ticket|wx_header|exportkey|srcid|sessionid|subscene|key|uin|abtest_cookie|poc_token|share_source|session_us|countrycode|platform|rd2werd|realreporttime|mpshare|ptype|sn)$/i;

/** Decodes the HTML entities that WeChat leaves in article URLs (`&amp;`). */
export function decodeEntities(s: string): string {
  return s
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");
}

/** The canonical form of a URL, or undefined when it is not an http(s) URL. */
export function canonicalUrl(raw: string): string | undefined {
  let u: URL;
  try {
    u = new URL(decodeEntities(raw.trim()));
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  const host = u.hostname.toLowerCase().replace(/^www\./, '');
  if (host === 'mp.weixin.qq.com') {
    const biz = u.searchParams.get('__biz');
    const mid = u.searchParams.get('mid') ?? u.searchParams.get('appmsgid');
    const idx = u.searchParams.get('idx') ?? u.searchParams.get('itemidx') ?? '1';
    if (biz && mid) return `wx:${biz}/${mid}/${idx}`;
    const short = /^\/s\/([\w-]+)$/.exec(u.pathname);
    if (short) return `wx:s/${short[1]}`;
  }
  const params = [...u.searchParams.entries()].filter(([k]) => !TRACKING.test(k)).sort(([a], [b]) => a.localeCompare(b));
  const query = params.length ? '?' + new URLSearchParams(params).toString() : '';
  const pathname = u.pathname.replace(/\/+$/, '') || '/';
  return `url:${host}${u.port ? ':' + u.port : ''}${pathname}${query}`;
}

/** A hash of text content (whitespace and width differences ignored). */
export function contentHash(text: string): string {
  const norm = text.normalize('NFKC').replace(/\s+/g, ' ').trim();
  return 'sha256:' + crypto.createHash('sha256').update(norm).digest('hex').slice(0, 40);
}

/** The canonical key of an item: by URL when it has one, else by its text. */
export function canonicalKey(item: { url?: string | null; title?: string; summary?: string; text?: string }): string {
  const byUrl = item.url ? canonicalUrl(item.url) : undefined;
  if (byUrl) return byUrl;
  return contentHash(item.text ?? `${item.title ?? ''}\n${item.summary ?? ''}`);
}
