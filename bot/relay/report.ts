// The delivery log as people read it: one post's rows, and the unknown sends that need a human.
import type pg from 'pg';

export interface DeliveryRow {
  id: number;
  code: string;
  account: string;
  groupId: number;
  group: string;
  kind: string;
  unit: string;
  status: string;
  attempts: number;
  dueAt: Date;
  sentAt: Date | null;
  rendering: string | null;
  membersAtSend: number | null;
  error: string | null;
}

const SELECT = `SELECT d.id, p.code, a.name AS account, g.id AS group_id, g.topic, g.kind, u.name AS unit,
         d.status, d.attempts, d.due_at, d.sent_at, d.rendering, d.members_at_send, d.error
    FROM delivery d JOIN post p ON p.id = d.post_id JOIN chat_group g ON g.id = d.group_id
    JOIN bot_account a ON a.id = d.bot_account_id JOIN org_unit u ON u.id = g.org_unit_id`;

function toRow(r: Record<string, unknown>): DeliveryRow {
  return {
    id: r.id as number,
    code: r.code as string,
    account: r.account as string,
    groupId: r.group_id as number,
    group: r.topic as string,
    kind: r.kind as string,
    unit: r.unit as string,
    status: r.status as string,
    attempts: r.attempts as number,
    dueAt: r.due_at as Date,
    sentAt: (r.sent_at as Date) ?? null,
    rendering: (r.rendering as string) ?? null,
    membersAtSend: (r.members_at_send as number) ?? null,
    error: (r.error as string) ?? null,
  };
}

/** The delivery log of one post (by short code, case-insensitive), or null for an unknown code. */
export async function deliveriesOf(pool: pg.Pool, code: string): Promise<{ postId: number; title: string; rows: DeliveryRow[] } | null> {
  const { rows: posts } = await pool.query<{ id: number; title: string }>('SELECT id, title FROM post WHERE code = $1', [code.trim().toUpperCase()]);
  if (!posts[0]) return null;
  const { rows } = await pool.query(`${SELECT} WHERE d.post_id = $1 ORDER BY d.status, a.name, g.topic`, [posts[0].id]);
  return { postId: posts[0].id, title: posts[0].title, rows: rows.map(toRow) };
}

/** Sends whose outcome is unknown (never resent automatically), oldest first. */
export async function unknownDeliveries(pool: pg.Pool, since?: Date): Promise<DeliveryRow[]> {
  const { rows } = await pool.query(
    `${SELECT} WHERE d.status = 'unknown' AND ($1::timestamptz IS NULL OR d.updated_at >= $1) ORDER BY d.updated_at, d.id`,
    [since ?? null],
  );
  return rows.map(toRow);
}
