// Turning chat messages (official-account pushes, admin forwards, source-group messages) into
// content items. Every item has a title and summary, so a text rendering is always possible.
import type { ArticleCard, MessageKind } from '../chat-types.ts';
import { t } from '../i18n.ts';
import type { CapturedItem, MediaRef } from './capture.ts';
import { mediaKeys, type MediaDigest } from './media-key.ts';

/** What a 视频号 share carries (read from the raw payload: Wechaty's toPost() throws on it). */
export interface ChannelVideo {
  objectId?: string;
  nickname?: string;
  desc?: string;
  url?: string;
}

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([\\s\\S]*?))</${name}>`).exec(xml);
  const v = (m?.[1] ?? m?.[2])?.trim();
  return v ? v : undefined;
}

/** Reads the few fields of a 视频号 share from its raw XML (finderFeed). */
export function parseChannelVideo(raw: string): ChannelVideo {
  const xml = raw.replace(/&lt;/g, '<').replace(/&gt;/g, '>');
  const feed = /<finderFeed>[\s\S]*<\/finderFeed>/.exec(xml)?.[0] ?? xml;
  return {
    objectId: tag(feed, 'objectId'),
    nickname: tag(feed, 'nickname'),
    desc: tag(feed, 'desc'),
    url: tag(feed, 'url'),
  };
}

export interface MessageLike {
  messageId: string;
  kind: MessageKind;
  text: string;
  article?: ArticleCard[];
  raw?: string;
  at?: Date;
}

const firstLine = (s: string, n = 60) => s.trim().split('\n')[0].slice(0, n);
const URL_RE = /https?:\/\/[^\s<>"'，。]+/;

/**
 * The content items of a message (an official-account push may carry several articles).
 * Returns [] for messages that carry nothing to relay (voice, system, empty text). Media are keyed
 * by `digest` (the file's hash, bot/sources/media-key.ts) when it is given.
 */
export function itemsOfMessage(msg: MessageLike, from: string, digest?: MediaDigest): CapturedItem[] {
  switch (msg.kind) {
    case 'article':
      return (msg.article ?? []).filter((a) => a.title || a.url).map((a, i) => ({
        kind: 'article',
        title: a.title || a.url,
        summary: a.description,
        url: a.url,
        media: a.thumbnailUrl ? [{ type: 'image', url: a.thumbnailUrl, name: 'thumbnail' } satisfies MediaRef] : [],
        externalId: `${msg.messageId}#${i}`,
      }));
    case 'channel_video': {
      const v = parseChannelVideo(msg.raw ?? '');
      const title = v.desc ? firstLine(v.desc) : t('sources.channel_video', { from: v.nickname ?? from });
      return [{
        kind: 'channel_video',
        title,
        summary: v.desc ?? '',
        url: v.url,
        media: [{ type: 'channel_video', raw: { ...v } }],
        externalId: msg.messageId,
        canonicalKey: v.objectId ? `channel:${v.objectId}` : undefined,
        text: v.url ? undefined : `${v.nickname ?? ''}\n${v.desc ?? ''}\n${msg.raw ?? ''}`,
      }];
    }
    case 'mini_program': {
      const xml = (msg.raw ?? '').replace(/&lt;/g, '<').replace(/&gt;/g, '>');
      const title = tag(xml, 'title') ?? (msg.text.startsWith('<') ? '' : firstLine(msg.text));
      const app = tag(xml, 'sourcedisplayname');
      return [{
        kind: 'mini_program',
        title: title || t('sources.mini_program', { from }),
        summary: app ? t('sources.mini_program_summary', { app }) : '',
        media: [{ type: 'mini_program', raw: { title, app, pagepath: tag(xml, 'pagepath') } }],
        externalId: msg.messageId,
        text: `${from}\n${title}\n${app ?? ''}\n${tag(xml, 'pagepath') ?? msg.messageId}`,
      }];
    }
    case 'image':
    case 'video':
    case 'file': {
      // The same file received by two accounts (two message ids) is one post: keyed by content.
      const name = digest?.name || (msg.text && !msg.text.startsWith('<') ? msg.text : undefined);
      const keys = mediaKeys(msg.kind, msg.at ?? new Date(), { digest, name, messageId: msg.messageId, from });
      return [{
        kind: msg.kind,
        title: t(`sources.media_${msg.kind}`, { from }),
        summary: msg.text.startsWith('<') ? '' : msg.text.slice(0, 200),
        media: [{ type: msg.kind, name: name ?? msg.messageId, raw: { messageId: msg.messageId, ...(digest ? { sha256: digest.sha256, size: digest.size } : {}) } }],
        externalId: msg.messageId,
        canonicalKey: keys.key,
        sameAs: [keys.earlier],
      }];
    }
    case 'text': {
      const text = msg.text.trim();
      if (!text) return [];
      const url = URL_RE.exec(text)?.[0];
      return [{ kind: url ? 'article' : 'text', title: firstLine(text), summary: text.slice(0, 1000), url, text, externalId: msg.messageId }];
    }
    default:
      return [];
  }
}

/** The text rendering of an item, as the relay will send it when no card is possible. */
export function previewItem(item: CapturedItem, from: string): string {
  const lines = [t('sources.preview_head', { from, title: item.title })];
  if (item.summary && item.summary !== item.title) lines.push(item.summary.slice(0, 200));
  if (item.url) lines.push(item.url);
  return lines.join('\n');
}
