// Ingest of read confirmations: the last step of the inbound pipeline. Replies are parsed at once
// (pure), buffered in memory, and written in batches by one set-based statement that resolves the
// posts delivered to the group in the window, inserts the confirmations idempotently and moves the
// delivery counters in the same statement. When the database is briefly unavailable the buffer
// keeps the replies (bounded) and the flush is retried with backoff.
import type pg from 'pg';
import type { AppContext, InboundHandler } from '../app.ts';
import type { GroupInbound } from '../core/inbound.ts';
import type { Logger } from '../log.ts';
import { affirmedWords, mightConfirm, parseReply, type ParsedReply } from './confirm-parse.ts';
import { memberKey } from './member-key.ts';
import { DEFAULT_LEDGER_SETTINGS } from './settings.ts';

/** A reply waiting to be written. The sender's name stays in memory only until the key is made. */
interface Pending {
  accountId: number;
  roomId: string;
  senderName: string;
  at: Date;
  reply: ParsedReply;
}

/** One resolved reply, ready for the statement. */
export interface ConfirmItem {
  groupId: number;
  memberKey: string;
  at: Date;
  /** A general keyword (or only codes) is present. */
  general: boolean;
  /** Codes the reply is limited to (named codes, or the quoted bot message's code). */
  codes: string[];
  /** Attestation words the reply affirms. */
  words: string[];
  /** How a code-limited reply named its post. */
  via: 'code' | 'quote';
}

export interface ConfirmOptions {
  /** Replies count for posts sent to the group at most this long before (default 7 days). */
  windowMs?: number;
  /** Flush after this many ms (default 200) … */
  flushMs?: number;
  /** … or as soon as this many replies wait (default 500). */
  batchSize?: number;
  /**
   * Most replies written by one statement (default 20 000). Under a burst the replies that arrive
   * while a statement runs go into the next one: fewer, larger statements move each group's
   * delivery counters once per flush instead of once per few thousand replies (tests/bench/ledger.ts).
   */
  maxBatch?: number;
  /** Most replies kept while the database is unavailable (default 100 000); beyond, the oldest are dropped. */
  maxBuffered?: number;
  /** Longest pause between retries while the database is unavailable (default 30 s). */
  maxBackoffMs?: number;
}

// WeChat timestamps have whole seconds and sent_at is written after say() returns: a reply may
// carry a time slightly before its post's sent_at.
const SEND_SLACK = '60 seconds';
const SEP = '\u001f';

/**
 * Inserts confirmations for `items` and moves delivery.confirmed / first / last_confirm_at in one
 * statement (INSERT … ON CONFLICT DO NOTHING RETURNING → UPDATE delivery). Returns the number of
 * new confirmations. Idempotent per (post, group, member key).
 */
export async function insertConfirmations(pool: pg.Pool | pg.PoolClient, items: ConfirmItem[], windowMs: number): Promise<number> {
  if (!items.length) return 0;
  const { rows } = await pool.query<{ inserted: number }>(INSERT_SQL, insertParams(items, windowMs));
  return rows[0].inserted;
}

/** The parameters of INSERT_SQL for `items`. */
export function insertParams(items: ConfirmItem[], windowMs: number): unknown[] {
  return [
    items.map((i) => i.groupId),
    items.map((i) => i.memberKey),
    items.map((i) => i.at),
    items.map((i) => i.general),
    items.map((i) => i.codes.join(',')),
    items.map((i) => i.words.join(SEP)),
    items.map((i) => i.via),
    windowMs,
  ];
}

/** The set-based statement of insertConfirmations (exported for EXPLAIN in the benchmark). */
export const INSERT_SQL = `WITH items AS (
       SELECT * FROM unnest($1::int[], $2::text[], $3::timestamptz[], $4::bool[], $5::text[], $6::text[], $7::text[])
         AS i(group_id, member_key, at, general, codes, words, via)
        -- The owner and school staff of a parent group are not its audience (bot/ledger/audience.ts).
        WHERE NOT EXISTS (SELECT 1 FROM group_non_family nf WHERE nf.group_id = i.group_id AND nf.member_key = i.member_key)
     ),
     cand AS (
       SELECT DISTINCT ON (d.post_id, i.group_id, i.member_key)
              d.post_id, i.group_id, i.member_key, i.at,
              CASE WHEN i.codes <> '' THEN i.via::"ConfirmHow"
                   WHEN cardinality(p.confirm_words) > 0 THEN 'attestation'::"ConfirmHow"
                   ELSE 'keyword'::"ConfirmHow" END AS how
         FROM items i
         JOIN delivery d ON d.group_id = i.group_id AND d.status = 'sent'
                        AND d.sent_at <= i.at + interval '${SEND_SLACK}'
                        AND d.sent_at > i.at - $8::bigint * interval '1 millisecond'
         JOIN post p ON p.id = d.post_id
        WHERE (i.codes = '' OR p.code = ANY (string_to_array(i.codes, ',')))
          AND CASE WHEN cardinality(p.confirm_words) > 0
                   THEN p.confirm_words && string_to_array(i.words, chr(31))
                   ELSE i.general END
        ORDER BY d.post_id, i.group_id, i.member_key, i.at
     ),
     ins AS (
       INSERT INTO confirmation (post_id, group_id, member_key, at, how)
       SELECT post_id, group_id, member_key, at, how FROM cand
       ON CONFLICT DO NOTHING
       RETURNING post_id, group_id, at
     ),
     agg AS (
       SELECT post_id, group_id, count(*)::int AS n, min(at) AS first_at, max(at) AS last_at
         FROM ins GROUP BY post_id, group_id
     ),
     upd AS (
       UPDATE delivery d
          SET confirmed = d.confirmed + agg.n,
              first_confirm_at = LEAST(d.first_confirm_at, agg.first_at),
              last_confirm_at = GREATEST(d.last_confirm_at, agg.last_at)
         FROM agg
        WHERE d.post_id = agg.post_id AND d.group_id = agg.group_id
       RETURNING agg.n
     )
     SELECT coalesce(sum(n), 0)::int AS inserted FROM upd`;

/** The words of attestation posts (e.g. 已安装), which confirm only their own post. */
export async function attestationWords(pool: pg.Pool): Promise<string[]> {
  const { rows } = await pool.query<{ w: string }>(
    `SELECT DISTINCT unnest(confirm_words) AS w FROM post WHERE cardinality(confirm_words) > 0`,
  );
  return rows.map((r) => r.w);
}

/** The confirmation ingest: an InboundHandler plus flush/drain/stop for the owner of the process. */
export interface Confirmations extends InboundHandler {
  /** Writes what is buffered now (one attempt); returns the number of new confirmations. */
  flush(): Promise<number>;
  /** Flushes until the buffer is empty; throws if the database stays unavailable. */
  drain(): Promise<number>;
  /** Stops the timers and tries once to write what is left. */
  stop(): Promise<void>;
  stats(): { buffered: number; dropped: number; inserted: number; failures: number; flushes: number };
}

/** Builds the ledger's confirmation step of the inbound pipeline. */
export function createConfirmations(ctx: AppContext, opts: ConfirmOptions = {}): Confirmations {
  const windowMs = opts.windowMs ?? DEFAULT_LEDGER_SETTINGS.windowMs;
  const flushMs = opts.flushMs ?? 200;
  const batchSize = opts.batchSize ?? 500;
  const maxBatch = Math.max(opts.maxBatch ?? 20_000, batchSize);
  const maxBuffered = opts.maxBuffered ?? 100_000;
  const maxBackoffMs = opts.maxBackoffMs ?? 30_000;
  const log: Logger = ctx.log.child({ name: 'ledger' });
  const pool = ctx.db.pool;

  let buffer: Pending[] = [];
  let dropped = 0;
  let inserted = 0;
  let failures = 0;
  let flushes = 0;
  let consecutiveFailures = 0;
  let warnedFull = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopped = false;

  let words: string[] = [];
  const groups = new Map<string, { id: number | null; until: number }>();

  /** Reloads the attestation words (every flush: a post made a minute ago may already be answered). */
  async function refreshWords(): Promise<void> {
    words = await attestationWords(pool);
  }

  /** Maps (account, room) to the active registered group, cached briefly. */
  async function resolveGroups(batch: Pending[]): Promise<void> {
    const now = ctx.clock.now().getTime();
    const missing = new Map<string, { accountId: number; roomId: string }>();
    for (const p of batch) {
      const k = `${p.accountId}\u0000${p.roomId}`;
      const c = groups.get(k);
      if (!c || c.until < now) missing.set(k, { accountId: p.accountId, roomId: p.roomId });
    }
    if (!missing.size) return;
    const pairs = [...missing.values()];
    const { rows } = await pool.query<{ id: number; bot_account_id: number; room_id: string }>(
      `SELECT g.id, g.bot_account_id, g.room_id
         FROM chat_group g
         JOIN unnest($1::int[], $2::text[]) AS q(account_id, room_id)
           ON g.bot_account_id = q.account_id AND g.room_id = q.room_id
        WHERE g.status = 'active'`,
      [pairs.map((p) => p.accountId), pairs.map((p) => p.roomId)],
    );
    for (const k of missing.keys()) groups.set(k, { id: null, until: now + 10_000 });
    for (const r of rows) groups.set(`${r.bot_account_id}\u0000${r.room_id}`, { id: r.id, until: now + 60_000 });
  }

  function toItems(batch: Pending[]): ConfirmItem[] {
    const out: ConfirmItem[] = [];
    for (const p of batch) {
      const g = groups.get(`${p.accountId}\u0000${p.roomId}`);
      if (!g?.id) {
        log.debug({ roomId: p.roomId }, 'reply in a group that is not registered or not active: ignored');
        continue;
      }
      const r = p.reply;
      // A quote of the bot's post (or reminder) confirms the quoted posts only; else the named codes.
      const codes = r.quotedCodes.length ? r.quotedCodes : r.codes;
      out.push({
        groupId: g.id,
        memberKey: memberKey(ctx.ledgerSecret, g.id, p.senderName),
        at: p.at,
        general: r.general,
        codes,
        words: affirmedWords(r, words),
        via: r.quotedCodes.length ? 'quote' : 'code',
      });
    }
    return out;
  }

  async function flushOnce(): Promise<number> {
    if (!buffer.length) return 0;
    const batch = buffer.splice(0, maxBatch);
    try {
      await refreshWords();
      await resolveGroups(batch);
      const n = await insertConfirmations(pool, toItems(batch), windowMs);
      inserted += n;
      flushes++;
      if (consecutiveFailures) log.info({ replies: batch.length, confirmations: n, buffered: buffer.length }, 'database reachable again; buffered replies written');
      consecutiveFailures = 0;
      warnedFull = false;
      return n;
    } catch (err) {
      buffer = batch.concat(buffer);
      trim();
      failures++;
      consecutiveFailures++;
      if (consecutiveFailures === 1) log.warn({ err: { message: (err as Error).message }, buffered: buffer.length }, 'cannot write confirmations; keeping them in memory and retrying');
      throw err;
    }
  }

  function trim(): void {
    const over = buffer.length - maxBuffered;
    if (over <= 0) return;
    buffer.splice(0, over);
    dropped += over;
    if (!warnedFull) log.error({ dropped: over, maxBuffered }, 'confirmation buffer full: dropping the oldest replies');
    else log.debug({ dropped: over }, 'confirmation buffer still full: dropping');
    warnedFull = true;
  }

  function schedule(delay: number): void {
    if (stopped || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      flush()
        .then(() => {
          if (buffer.length) schedule(0);
        })
        .catch(() => schedule(Math.min(maxBackoffMs, 500 * 2 ** Math.min(consecutiveFailures, 10))));
    }, delay);
    timer.unref?.();
  }

  function flush(): Promise<number> {
    if (running) return running;
    running = flushOnce().finally(() => {
      running = undefined;
    });
    return running;
  }

  // Reads the message's context but not its registration: replies come in bursts (a class of 50
  // answering within a minute), so the groups of a whole batch are resolved by one cached query
  // at flush time (resolveGroups) instead of one lookup per reply.
  async function group({ msg, account }: GroupInbound): Promise<boolean> {
    if (msg.self) return false; // the bot's own messages confirm nothing
    if (msg.senderIsBot) {
      log.debug({ roomId: msg.roomId }, 'message from another bot or official account: not a confirmation');
      return false;
    }
    if (msg.kind !== 'text') return false;
    const reply = parseReply(msg.text, { text: msg.quotedText, self: msg.quotedSelf });
    // Every short reply is kept: attestation words (e.g. 已安装) are matched at flush time against
    // the posts of the moment, so a post made seconds ago is already answerable.
    if (!reply.text && !mightConfirm(reply, [])) return false;
    buffer.push({ accountId: account.id, roomId: msg.roomId, senderName: msg.senderName, at: msg.at, reply });
    trim();
    if (consecutiveFailures === 0) schedule(buffer.length >= batchSize ? 0 : flushMs);
    else schedule(Math.min(maxBackoffMs, 500 * 2 ** Math.min(consecutiveFailures, 10)));
    return mightConfirm(reply, []); // consumed when it reads as a confirmation; attestations are decided later
  }

  return {
    name: 'ledger-confirmations',
    group,
    flush,
    async drain() {
      let n = 0;
      while (buffer.length || running) n += await flush();
      return n;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (running) await running.catch(() => undefined);
      try {
        while (buffer.length) await flush();
      } catch {
        log.error({ lost: buffer.length }, 'stopping with confirmations that could not be written');
      }
    },
    stats: () => ({ buffered: buffer.length, dropped, inserted, failures, flushes }),
  };
}
