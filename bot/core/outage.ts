// Degraded but polite while the database is away. The inbound pipeline (bot/app.ts) hands every
// handler failure to `inboundFailed`: a database outage is logged once when it starts and once when
// it ends (a probe notices the end), never once per message; a chat command gets a short "系统繁忙"
// at most once per chat per minute; other messages are left to the handlers that keep them in
// memory (confirmations). Anything that is not an outage is the caller's to log.
import type { GroupInbound, PrivateInbound } from './inbound.ts';
import { t } from '../i18n.ts';
import type { Logger } from '../log.ts';

const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH']);
// Prisma: can't reach the server, timed out, closed the connection (driver adapters map socket errors to these).
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017']);
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout']);
const MESSAGES =
  /connection terminated|terminating connection due to administrator command|the database system is (starting up|shutting down|in recovery mode)|timeout exceeded when trying to connect|can't reach database server|server has closed the connection|connection (refused|reset)|econnrefused|econnreset|client has encountered a connection error|cannot use a pool after calling end/i;

/** Whether `err` (or an error it wraps) says the database cannot be reached, rather than a bug or bad data. */
export function isDatabaseDown(err: unknown): boolean {
  const seen = new Set<unknown>();
  let e: unknown = err;
  while (e && typeof e === 'object' && !seen.has(e)) {
    seen.add(e);
    const x = e as { code?: unknown; message?: unknown; meta?: { driverAdapterError?: { cause?: { kind?: string; originalCode?: string } } }; cause?: unknown };
    const code = typeof x.code === 'string' ? x.code : '';
    // SQLSTATE class 08 (connection exception), 57P01-03 (shut down, crashed, not accepting connections yet).
    if (SOCKET_CODES.has(code) || PRISMA_CODES.has(code) || /^08...$/.test(code) || /^57P0[123]$/.test(code)) return true;
    const cause = x.meta?.driverAdapterError?.cause;
    if (cause && (ADAPTER_KINDS.has(cause.kind ?? '') || /^57P0[123]$/.test(cause.originalCode ?? ''))) return true;
    if (typeof x.message === 'string' && MESSAGES.test(x.message)) return true;
    e = x.cause;
  }
  return false;
}

export interface OutageOptions {
  /** What the probe asks (`SELECT 1`) to notice that the database answers again. */
  probe: () => Promise<unknown>;
  log: Logger;
  /** Real time in ms (default Date.now): the once-a-minute reply limit is about people, not the demo's clock. */
  now?: () => number;
  /** How often the probe asks while the database is away (default 5 s). */
  probeMs?: number;
  /** At most one busy reply per chat in this long (default 60 s). */
  replyEveryMs?: number;
}

/** One process's view of database outages, shared by every account and handler of the pipeline. */
export class DatabaseOutage {
  private since: number | undefined;
  private failures = 0;
  private replies = 0;
  private readonly replied = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  /** The outage's child logger. */
  readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly opts: OutageOptions) {
    this.log = opts.log.child({ name: 'outage' });
    this.now = opts.now ?? Date.now;
  }

  /** True while an outage is open (between its first failure and a successful probe). */
  get down(): boolean {
    return this.since !== undefined;
  }

  /** Reports a failure: true when it is a database outage (logged here once per outage), false otherwise. */
  failed(err: unknown, where: string): boolean {
    if (!isDatabaseDown(err)) return false;
    this.failures++;
    if (this.since === undefined) {
      this.since = this.now();
      this.failures = 1;
      this.replies = 0;
      this.log.error(
        { where, err: { message: (err as Error)?.message ?? String(err) } },
        `the database cannot be reached: chat commands get "${t('common.busy')}" until it answers again (logged once per outage)`,
      );
      this.schedule();
    }
    return true;
  }

  /** Whether `chat` may get the busy reply now: at most once per chat per minute. */
  mayReply(chat: string): boolean {
    const now = this.now();
    const last = this.replied.get(chat);
    if (last !== undefined && now - last < (this.opts.replyEveryMs ?? 60_000)) return false;
    this.replied.set(chat, now);
    // Forget old entries so the map stays as small as the chats of the last minute.
    if (this.replied.size > 1000) for (const [k, at] of this.replied) if (now - at >= (this.opts.replyEveryMs ?? 60_000)) this.replied.delete(k);
    this.replies++;
    return true;
  }

  /** Ends an open outage (the probe calls it when the database answers). */
  recovered(): void {
    if (this.since === undefined) return;
    const ms = this.now() - this.since;
    this.log.info({ downMs: ms, failures: this.failures, busyReplies: this.replies }, 'the database answers again; the outage is over');
    this.since = undefined;
    this.replied.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Stops the probe (process shutdown). */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.opts.probe().then(
        () => this.recovered(),
        () => {
          if (this.since !== undefined) this.schedule();
        },
      );
    }, this.opts.probeMs ?? 5_000);
    this.timer.unref?.();
  }
}

/** A `#` command, as the command parser reads it (bot/commands/registry.ts parseCommand). */
function looksLikeCommand(text: string): boolean {
  return /^#\s*[^\s#]/u.test(text.normalize('NFKC').trim());
}

/**
 * The pipeline's one call on a handler failure: true when it was a database outage (nothing more to
 * log; a command got the busy reply if its chat had none this minute), false for any other error.
 */
export async function inboundFailed(outage: DatabaseOutage, err: unknown, ic: GroupInbound | PrivateInbound, where: string): Promise<boolean> {
  if (!outage.failed(err, where)) return false;
  const { msg, account } = ic;
  if (msg.self || msg.kind !== 'text' || !looksLikeCommand(msg.text)) return true;
  if (ic.where === 'group' && ic.msg.senderIsBot) return true;
  if (ic.where === 'private' && ic.msg.senderIsOfficial) return true;
  const chat = ic.where === 'group' ? `${account.id}:room:${ic.msg.roomId}` : `${account.id}:contact:${ic.msg.senderId}`;
  if (!outage.mayReply(chat)) return true;
  const out = { type: 'text' as const, text: t('common.busy') };
  try {
    if (ic.where === 'group') await account.chat.sayToRoom(ic.msg.roomId, out);
    else await account.chat.sayToContact(ic.msg.senderId, out);
  } catch (sayErr) {
    outage.log.debug({ err: { message: (sayErr as Error).message } }, 'the busy reply could not be sent');
  }
  return true;
}
