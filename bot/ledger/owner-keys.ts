// Re-derives the owner keys that the owner_key_context migration blanked: the new keys need the
// ledger secret, which only the processes have. Runs at every start (openDatabase); idempotent and
// safe with several processes starting at once (each row is written only while still blank).
import type pg from 'pg';
import { ownerKey } from './member-key.ts';

/** Gives every group with a blank owner key the owner key of its registrant; returns how many. */
export async function rederiveOwnerKeys(pool: pg.Pool, secret: string): Promise<number> {
  const { rows } = await pool.query<{ id: number; registered_by: string }>(
    `SELECT id, registered_by FROM chat_group WHERE owner_key = ''`,
  );
  if (!rows.length) return 0;
  const res = await pool.query(
    `UPDATE chat_group g SET owner_key = k.key
       FROM unnest($1::int[], $2::text[]) AS k(id, key)
      WHERE g.id = k.id AND g.owner_key = ''`,
    [rows.map((r) => r.id), rows.map((r) => ownerKey(secret, r.id, r.registered_by))],
  );
  return res.rowCount ?? 0;
}
