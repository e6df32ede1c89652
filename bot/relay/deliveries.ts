// The delivery log's explicit SQL: claim, begin, finish, release, recover. Each is one statement;
// no transaction is held across a send. `rendering` doubles as the "say began" marker: it is set
// (in the same statement that reserves a slot of the daily cap) right before the first say, so a
// row left in `sending` without it provably never reached the puppet.
//
// Every completion (finish, release) is guarded by the claim: it changes a row only while it is
// still `sending` under this worker's `claimed_by`, so a worker that lost its claim (its account
// lock dropped and another process recovered the row) can never overwrite the newer outcome.
//
// Durability: beginSend must be committed durably before say() (run it with synchronous_commit
// on). The other statements may commit asynchronously: losing one in a database crash leaves a
// row either pending-and-never-begun (sent later, once) or begun (becomes unknown, never resent);
// and the next durable beginSend flushes the WAL written before it anyway.
import type pg from 'pg';
import type { RenderPost } from './render.ts';

/** A pool or one client: the worker runs its bookkeeping on its own connection. */
export type Queryable = Pick<pg.Pool, 'query'>;

export interface ClaimedDelivery {
  id: number;
  postId: number;
  groupId: number;
  attempts: number;
  dueAt: Date;
  /** Planned by planLateGroup (a late group's backlog): claimed after the due fresh deliveries. */
  catchUp: boolean;
  post: RenderPost;

  group: {
    kind: 'work' | 'parent' | 'source';
    status: 'active' | 'paused' | 'left' | 'ambiguous';
    statusReason: string | null;
    autoForward: boolean;
    roomId: string | null;
    topic: string;
    settings: unknown;
    memberCount: number;
    orgUnitId: number;
    ownerKey: string;
  };
}

/**
 * Claims up to `limit` due pending deliveries of one account in ONE statement
 * (UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING), joined with what sending needs.
 * Fresh deliveries come before catch-ups (a late group's backlog), then by due time.
 */
export async function claimDue(pool: Queryable, accountId: number, by: string, now: Date, limit: number): Promise<ClaimedDelivery[]> {
  const { rows } = await pool.query(
    `WITH claimed AS (
       UPDATE delivery d
          SET status = 'sending', claimed_at = $3, claimed_by = $2, attempts = d.attempts + 1,
              rendering = NULL, updated_at = $3
        WHERE d.id IN (SELECT id FROM delivery
                        WHERE bot_account_id = $1 AND status = 'pending' AND due_at <= $3
                        ORDER BY catch_up, due_at, id LIMIT $4 FOR UPDATE SKIP LOCKED)
       RETURNING d.id, d.post_id, d.group_id, d.attempts, d.due_at, d.catch_up)
     SELECT c.*, p.code, p.kind AS post_kind, p.title, p.summary, p.url, p.urgent, p.media, p.confirm_words,
            s.name AS source_name, g.kind AS group_kind, g.status AS group_status, g.status_reason,
            g.auto_forward, g.room_id, g.topic, g.settings, g.member_count, g.org_unit_id, g.owner_key
       FROM claimed c JOIN post p ON p.id = c.post_id JOIN source s ON s.id = p.source_id
       JOIN chat_group g ON g.id = c.group_id
      ORDER BY c.catch_up, c.due_at, c.id`,
    [accountId, by, now, limit],
  );
  return rows.map((r) => ({
    id: r.id,
    postId: r.post_id,
    groupId: r.group_id,
    attempts: r.attempts,
    dueAt: r.due_at,
    catchUp: r.catch_up,
    post: {
      code: r.code,
      kind: r.post_kind,
      title: r.title,
      summary: r.summary,
      url: r.url,
      urgent: r.urgent,
      media: r.media,
      confirmWords: r.confirm_words ?? [],
      sourceName: r.source_name,
    },
    group: {
      kind: r.group_kind,
      status: r.group_status,
      statusReason: r.status_reason,
      autoForward: r.auto_forward,
      roomId: r.room_id,
      topic: r.topic,
      settings: r.settings,
      memberCount: r.member_count,
      orgUnitId: r.org_unit_id,
      ownerKey: r.owner_key,
    },
  }));
}

/**
 * Marks that say() is about to begin and reserves one slot of the account's daily cap, in one
 * statement. False when the cap is reached (or the row is no longer ours): nothing is sent then.
 */
export async function beginSend(
  pool: pg.Pool,
  d: { id: number; accountId: number; by: string; day: string; cap: number; rendering: string; members: number | null; staff?: number | null; now: Date },
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `WITH d AS (
       UPDATE delivery SET rendering = $5, members_at_send = $6, staff_at_send = $9, updated_at = $7
        WHERE id = $4 AND status = 'sending' AND claimed_by = $8
          AND EXISTS (SELECT 1 FROM bot_account WHERE id = $1 AND (sent_day IS DISTINCT FROM $2 OR sent_today < $3))
       RETURNING id)
     UPDATE bot_account
        SET sent_day = $2, sent_today = CASE WHEN sent_day = $2 THEN sent_today + 1 ELSE 1 END
      WHERE id = $1 AND EXISTS (SELECT 1 FROM d)`,
    [d.accountId, d.day, d.cap, d.id, d.rendering, d.members, d.now, d.by, d.staff ?? null],
  );
  return rowCount === 1;
}

/** Gives back a cap slot reserved by beginSend for a send that provably did not happen. */
export async function refundCap(pool: Queryable, accountId: number, day: string): Promise<void> {
  await pool.query('UPDATE bot_account SET sent_today = GREATEST(sent_today - 1, 0) WHERE id = $1 AND sent_day = $2', [accountId, day]);
}

export type Final = 'sent' | 'failed' | 'unknown' | 'skipped';

/** A claimed row as this worker holds it: its id and the worker's claimed_by. */
export interface Claim {
  id: number;
  by: string;
}

/**
 * Ends a claimed delivery, only while the claim is still ours (status `sending`, claimed_by =
 * `by`). `uncount` takes back the claim's attempt (nothing was tried). False when the claim was
 * lost: the row was left as it is.
 */
export async function finish(
  pool: Queryable,
  claim: Claim,
  status: Final,
  opts: { now: Date; error?: string | null; uncount?: boolean },
): Promise<boolean> {
  const { rowCount } = await pool.query(
    `UPDATE delivery SET status = $2::"DeliveryStatus", error = $3, updated_at = $4,
            sent_at = CASE WHEN $2 = 'sent' THEN $4 ELSE sent_at END,
            attempts = CASE WHEN $5 THEN GREATEST(attempts - 1, 0) ELSE attempts END
      WHERE id = $1 AND status = 'sending' AND claimed_by = $6`,
    [claim.id, status, opts.error ?? null, opts.now, opts.uncount ?? false, claim.by],
  );
  return rowCount === 1;
}

/**
 * Puts claimed deliveries back to pending (not sent: say never began), due at `dueAt`; only rows
 * still claimed by `by`. Returns how many went back.
 */
export async function release(
  pool: Queryable,
  ids: number[],
  by: string,
  opts: { now: Date; dueAt?: Date; error?: string | null; uncount: boolean },
): Promise<number> {
  if (!ids.length) return 0;
  const { rowCount } = await pool.query(
    `UPDATE delivery SET status = 'pending', claimed_by = NULL, claimed_at = NULL, rendering = NULL,
            due_at = COALESCE($3, due_at), error = COALESCE($4, error), updated_at = $2,
            attempts = CASE WHEN $5 THEN GREATEST(attempts - 1, 0) ELSE attempts END
      WHERE id = ANY($1::int[]) AND status = 'sending' AND claimed_by = $6`,
    [ids, opts.now, opts.dueAt ?? null, opts.error ?? null, opts.uncount, by],
  );
  return rowCount ?? 0;
}

/** True when a fresh (not catch-up) pending delivery of the account is due at `now`. */
export async function freshDue(pool: Queryable, accountId: number, now: Date): Promise<boolean> {
  const { rows } = await pool.query<{ due: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM delivery WHERE bot_account_id = $1 AND status = 'pending'
                       AND due_at <= $2 AND NOT catch_up) AS due`,
    [accountId, now],
  );
  return rows[0].due;
}

/** The group's WeChat room as the database knows it now (null: none since the last login). */
export async function currentRoom(pool: Queryable, groupId: number): Promise<string | null> {
  const { rows } = await pool.query<{ room_id: string | null }>('SELECT room_id FROM chat_group WHERE id = $1', [groupId]);
  return rows[0]?.room_id ?? null;
}

/** Why rows are left in `sending`: a process stopped, or this one lost its database connection mid-send. */
export type RecoverCause = 'stopped' | 'database';

const LEFT_BY: Record<RecoverCause, string> = {
  stopped: 'the sending process stopped while this send was under way',
  database: 'the database could not be reached while this send was under way (its outcome could not be recorded)',
};

/**
 * After a crash or a database outage: rows of this account left in `sending` whose say never began
 * go back to pending; the others may have been sent and become `unknown` (never resent
 * automatically), with the cause in their error.
 */
export async function recoverSending(pool: Queryable, accountId: number, now: Date, cause: RecoverCause = 'stopped'): Promise<{ requeued: number; unknown: number }> {
  const back = await pool.query(
    `UPDATE delivery SET status = 'pending', claimed_by = NULL, claimed_at = NULL, updated_at = $2,
            attempts = GREATEST(attempts - 1, 0)
      WHERE bot_account_id = $1 AND status = 'sending' AND rendering IS NULL`,
    [accountId, now],
  );
  const unk = await pool.query(
    `UPDATE delivery SET status = 'unknown', updated_at = $2,
            error = $3 || ' (claimed by ' || COALESCE(claimed_by, '?') || '); not resent automatically'
      WHERE bot_account_id = $1 AND status = 'sending' AND rendering IS NOT NULL`,
    [accountId, now, LEFT_BY[cause]],
  );
  return { requeued: back.rowCount ?? 0, unknown: unk.rowCount ?? 0 };
}
