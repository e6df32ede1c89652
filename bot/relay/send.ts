// The relay worker's second step: put a rendered post into a room and say what happened. It does
// not touch the delivery log; record.ts turns the result into the row's next state.
import { SendError, type ChatPort, type Outgoing } from '../chat-types.ts';
import { errorText, isThrottle } from './throttle.ts';

export type SendResult =
  /** The first message went out. `followUpError`: a later one (picture, file) failed. */
  | { outcome: 'sent'; followUpError: string | null; throttled: boolean }
  /** Provably not sent (a SendError with sent: false): safe to retry or fail. */
  | { outcome: 'refused'; error: string; throttled: boolean; badTarget: boolean; loggedOut: boolean }
  /** The request may have gone out (timeout, reset, anything else): never resent automatically. */
  | { outcome: 'unknown'; error: string; throttled: boolean };

/** One say() bounded by `timeoutMs` of real time (a hung puppet must end even when the domain clock is pinned). */
async function sayWithin(chat: ChatPort, roomId: string, out: Outgoing, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`say() did not finish within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([chat.sayToRoom(roomId, out), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Classifies a failed first say(): only a SendError with `sent: false` proves nothing went out. */
export function classifySendError(err: unknown): Exclude<SendResult, { outcome: 'sent' }> {
  const error = errorText(err);
  const throttled = isThrottle(err);
  if (err instanceof SendError && err.opts.sent === false) {
    return { outcome: 'refused', error, throttled, badTarget: err.opts.badTarget === true, loggedOut: err.opts.loggedOut === true };
  }
  return { outcome: 'unknown', error, throttled };
}

/**
 * Sends `messages` (the post, then its follow-ups) to `roomId` through `chat`. The room is the
 * one the caller read at send time (room ids change on every wechat4u re-login).
 */
export async function sendToRoom(chat: ChatPort, roomId: string, messages: Outgoing[], timeoutMs: number): Promise<SendResult> {
  const [first, ...rest] = messages;
  try {
    await sayWithin(chat, roomId, first, timeoutMs);
  } catch (err) {
    return classifySendError(err);
  }
  for (const out of rest) {
    try {
      await sayWithin(chat, roomId, out, timeoutMs);
    } catch (err) {
      return { outcome: 'sent', followUpError: `the post went out; a follow-up (${out.type}) failed: ${errorText(err)}`, throttled: isThrottle(err) };
    }
  }
  return { outcome: 'sent', followUpError: null, throttled: false };
}
