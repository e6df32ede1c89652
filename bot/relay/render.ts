// Renders a post for what the account's puppet can send: an article card when supported (then a
// short line with the code and the prompt), else the text rendering; the image/video media of
// non-article posts (pictures, videos, local cases) follow as files.
import type { Outgoing, SendCapabilities } from '../chat-types.ts';
import { t } from '../i18n.ts';

export interface RenderPost {
  code: string;
  kind: string;
  title: string;
  summary: string;
  url: string | null;
  urgent: boolean;
  media: unknown;
  confirmWords: string[];
  sourceName: string;
}

export interface Rendered {
  /** card | text, plus "+file" when media files follow. */
  rendering: string;
  /** The first message is the post itself; the rest (prompt, files) follow it. */
  messages: Outgoing[];
}

interface MediaItem {
  type: string;
  name?: string;
  path?: string;
  url?: string;
}

function mediaFiles(media: unknown): Outgoing[] {
  if (!Array.isArray(media)) return [];
  return (media as MediaItem[])
    .filter((m) => m && (m.type === 'image' || m.type === 'video') && (m.path || m.url))
    .map((m) => ({ type: 'file' as const, path: m.path, url: m.url, name: m.name ?? (m.path ?? m.url ?? 'file').split('/').pop()! }));
}

function words(post: RenderPost): string {
  return post.confirmWords.length ? post.confirmWords.join('/') : t('relay.default_words');
}

/** The plain-text rendering: source, title, summary, link, short code and confirmation prompt. */
export function renderText(post: RenderPost): string {
  const lines = [t(post.urgent ? 'relay.urgent_header' : 'relay.header', { code: post.code, source: post.sourceName }), post.title];
  if (post.summary.trim()) lines.push(post.summary.trim());
  if (post.url) lines.push(t('relay.link', { url: post.url }));
  lines.push(t('relay.prompt', { code: post.code, words: words(post) }));
  // The puppet cuts room text at the first ":\n"; keep lines from ending with a colon.
  return lines.map((l) => l.replace(/[:：]\s*$/, '')).join('\n');
}

/** Chooses the rendering for `caps`. */
export function renderPost(post: RenderPost, caps: SendCapabilities): Rendered {
  // An article's image is only its cover: not worth a message (and a rate-limit slot) per group.
  const files = caps.file && post.kind !== 'article' ? mediaFiles(post.media) : [];
  const suffix = files.length ? '+file' : '';
  if (caps.card && post.url && post.kind === 'article') {
    return {
      rendering: 'card' + suffix,
      messages: [
        { type: 'card', card: { title: post.title, description: post.summary, url: post.url } },
        { type: 'text', text: t('relay.card_prompt', { code: post.code, source: post.sourceName, words: words(post) }) },
        ...files,
      ],
    };
  }
  return { rendering: 'text' + suffix, messages: [{ type: 'text', text: renderText(post) }, ...files] };
}

/** Short codes (F123) mentioned in a text, e.g. the bot's own relayed message. */
export function codesIn(text: string): string[] {
  return [...new Set(text.match(/\bF\d+\b/g) ?? [])];
}
