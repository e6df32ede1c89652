// Reading official-account article pushes from the raw app-message XML. Wechaty's toUrlLink()
// gives the first article only and leaves `&amp;` in URLs; a push often carries several articles.
import type { ArticleCard } from '../chat-types.ts';

/** Undoes the HTML escaping WeChat applies to app-message XML and to URLs inside it. */
export function decodeAppMsg(s: string): string {
  let out = s;
  // Twice: wechat4u's Content is escaped once more than the XML inside it.
  for (let i = 0; i < 2; i++) {
    out = out.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
  }
  return out;
}

function tag(xml: string, name: string): string {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([\\s\\S]*?))</${name}>`).exec(xml);
  return ((m?.[1] ?? m?.[2]) ?? '').trim();
}

/**
 * The articles of an app message: every <item> of an <mmreader> push, else the single
 * <appmsg> (type 5). Returns [] when the text is not an article message.
 */
export function parseArticles(raw: string): ArticleCard[] {
  if (!raw || !/appmsg|mmreader/.test(raw)) return [];
  const xml = raw.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/<br\/>/g, '\n');
  const out: ArticleCard[] = [];
  const reader = /<mmreader>([\s\S]*?)<\/mmreader>/.exec(xml)?.[1];
  if (reader) {
    for (const m of reader.matchAll(/<item>([\s\S]*?)<\/item>/g)) {
      const item = m[1];
      const url = decodeAppMsg(tag(item, 'url'));
      if (!url) continue;
      out.push({ title: decodeAppMsg(tag(item, 'title')), description: decodeAppMsg(tag(item, 'digest')), url, thumbnailUrl: decodeAppMsg(tag(item, 'cover')) || undefined });
    }
    if (out.length) return out;
  }
  const appmsg = /<appmsg[\s\S]*?<\/appmsg>/.exec(xml)?.[0];
  if (appmsg && ['5', ''].includes(tag(appmsg, 'type'))) {
    const url = decodeAppMsg(tag(appmsg, 'url'));
    if (url) out.push({ title: decodeAppMsg(tag(appmsg, 'title')), description: decodeAppMsg(tag(appmsg, 'des')), url, thumbnailUrl: decodeAppMsg(tag(appmsg, 'thumburl')) || undefined });
  }
  return out;
}

/**
 * A quote-reply as wechat4u renders it into text:
 * "「name：quoted」\n- - - - - - - - - - - - - - -\nreply". Undefined for other texts.
 */
export function parseQuote(text: string): { quotedName: string; quotedText: string; text: string } | undefined {
  const m = /^「([^：:]*)[：:]([\s\S]*?)」\n(?:- )+-?\n([\s\S]*)$/.exec(text);
  if (!m) return undefined;
  return { quotedName: m[1], quotedText: m[2], text: m[3] };
}
