// Media posts keyed by content: the same picture, video or file is one post whatever account
// received it (each account sees its own message id). The key is the SHA-256 of the file's bytes
// within a 6-hour window of capture (the window before counts too, so a push straddling a window
// boundary stays one post); a channel that re-posts the same poster a week later makes a new post.
// When the file cannot be downloaded the key falls back to kind + file name + window, and without a
// name to the message id (one post per message, as before).
import crypto from 'node:crypto';
import type { MessageFile } from '../chat-types.ts';
import type { Logger } from '../log.ts';

export const MEDIA_WINDOW_MS = 6 * 3600_000;

export interface MediaDigest {
  sha256: string;
  name: string;
  size: number;
}

/** Downloads the message's file and hashes it; undefined (with a warning) when that fails. */
export async function digestFile(file: MessageFile | undefined, log: Logger): Promise<MediaDigest | undefined> {
  if (!file) return undefined;
  try {
    const { name, bytes } = await file.load();
    return { sha256: crypto.createHash('sha256').update(bytes).digest('hex'), name, size: bytes.length };
  } catch (err) {
    log.warn({ err: { message: (err as Error).message } }, 'cannot download a media file to key it by content; keyed by its name instead');
    return undefined;
  }
}

/** The canonical key of a media item in the window of `at`, and the key it had in the window before. */
export function mediaKeys(kind: string, at: Date, ident: { digest?: MediaDigest; name?: string; messageId: string; from: string }): { key: string; earlier: string } {
  const bucket = Math.floor(at.getTime() / MEDIA_WINDOW_MS);
  const id = ident.digest
    ? `sha256:${ident.digest.sha256}`
    : ident.name
      ? `name:${hash(`${ident.from}\n${ident.name}`)}`
      : `msg:${hash(`${ident.from}\n${ident.messageId}`)}`;
  return { key: `media:${kind}:${id}:${bucket}`, earlier: `media:${kind}:${id}:${bucket - 1}` };
}

function hash(s: string): string {
  return crypto.createHash('sha256').update(s).digest('hex').slice(0, 32);
}
