// Activity material (活动材料): photos and videos of a unit's anti-fraud activities, sent by its
// staff in the unit's work group with `#活动 主题`. Files live under DATA_DIR/activity/<unit>/<month>/,
// rows in `activity` / `activity_media`. The summary document (bot/reports/summary-docx.ts) and the
// dashboard list them per unit and month. No sender names are stored.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { localDate } from './periods.ts';
import { scopeSql, type UnitScope } from './queries.ts';

export type MediaKind = 'image' | 'video';

export interface InboundMedia {
  kind: MediaKind;
  name: string;
  mimeType?: string;
  data: Buffer;
  at: Date;
}

export interface ActivityRow {
  id: number;
  orgUnitId: number;
  unitName: string;
  groupTopic: string;
  caption: string;
  at: Date;
  media: MediaRow[];
}

export interface MediaRow {
  id: number;
  kind: MediaKind;
  /** Path relative to DATA_DIR. */
  file: string;
  mimeType: string;
  bytes: number;
  at: Date;
}

const EXT: Record<string, string> = {
  'image/jpeg': '.jpg', 'image/png': '.png', 'image/gif': '.gif', 'image/webp': '.webp', 'video/mp4': '.mp4', 'video/quicktime': '.mov',
};

/** The MIME type of a file by its first bytes (what WeChat sends is JPEG/PNG/GIF and MP4), else by its name. */
export function sniffMime(data: Buffer, name: string, declared?: string): string {
  if (data.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))) return 'image/jpeg';
  if (data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (data.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif';
  if (data.subarray(0, 4).toString('latin1') === 'RIFF' && data.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  if (data.subarray(4, 8).toString('latin1') === 'ftyp') return data.subarray(8, 10).toString('latin1') === 'qt' ? 'video/quicktime' : 'video/mp4';
  const byName = Object.entries(EXT).find(([, e]) => name.toLowerCase().endsWith(e))?.[0];
  return byName ?? (declared && declared !== 'application/octet-stream' ? declared : 'application/octet-stream');
}

/** Creates an activity (the `#活动` command) and returns its id. */
export async function createActivity(pool: pg.Pool, a: { orgUnitId: number; groupId: number; caption: string; senderKey: string; at: Date }): Promise<number> {
  const { rows } = await pool.query<{ id: number }>(
    'INSERT INTO activity (org_unit_id, group_id, caption, sender_key, at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
    [a.orgUnitId, a.groupId, a.caption, a.senderKey, a.at],
  );
  return rows[0].id;
}

/** The sender's most recent activity in the group opened at or after `since`. */
export async function openActivity(pool: pg.Pool, groupId: number, senderKey: string, since: Date): Promise<{ id: number; caption: string } | undefined> {
  const { rows } = await pool.query<{ id: number; caption: string }>(
    'SELECT id, caption FROM activity WHERE group_id = $1 AND sender_key = $2 AND at >= $3 ORDER BY at DESC, id DESC LIMIT 1',
    [groupId, senderKey, since],
  );
  return rows[0];
}

/**
 * Writes one photo or video of an activity under `dataDir` and records it. The same file sent twice
 * to one activity is kept once (returns false then).
 */
export async function addMedia(
  pool: pg.Pool,
  dataDir: string,
  o: { activityId: number; orgUnitId: number; media: InboundMedia; timeZone: string },
): Promise<boolean> {
  const { media } = o;
  const sha256 = crypto.createHash('sha256').update(media.data).digest('hex');
  const mimeType = sniffMime(media.data, media.name, media.mimeType);
  const { y, m } = localDate(media.at, o.timeZone);
  const rel = path.posix.join('activity', String(o.orgUnitId), `${y}-${String(m).padStart(2, '0')}`, `${o.activityId}-${sha256.slice(0, 12)}${EXT[mimeType] ?? path.extname(media.name).slice(0, 8)}`);
  const abs = path.join(dataDir, rel);
  fs.mkdirSync(path.dirname(abs), { recursive: true });
  // Written to a temporary name first: a crash never leaves a half file under the final name.
  const tmp = `${abs}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, media.data);
  fs.renameSync(tmp, abs);
  const { rowCount } = await pool.query(
    `INSERT INTO activity_media (activity_id, kind, file, mime_type, bytes, sha256, at) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (activity_id, sha256) DO NOTHING`,
    [o.activityId, mimeType.startsWith('video/') ? 'video' : media.kind, rel, mimeType, media.data.length, sha256, media.at],
  );
  return (rowCount ?? 0) > 0;
}

/** Photos and videos of an activity, counted by kind. */
export async function mediaCounts(pool: pg.Pool, activityId: number): Promise<{ image: number; video: number }> {
  const { rows } = await pool.query<{ kind: string; n: number }>('SELECT kind, count(*)::int AS n FROM activity_media WHERE activity_id = $1 GROUP BY kind', [activityId]);
  return { image: rows.find((r) => r.kind === 'image')?.n ?? 0, video: rows.find((r) => r.kind === 'video')?.n ?? 0 };
}

/**
 * Activities in `[from, to)` in scope (a unit's own and its sub-units'), newest first, with their
 * media. `limit` bounds the activities (the dashboard pages; the summary takes them all).
 */
export async function listActivities(
  pool: pg.Pool,
  o: { from: Date; to: Date; scope?: UnitScope; unitId?: number; limit?: number; offset?: number },
): Promise<{ total: number; items: ActivityRow[] }> {
  const params: unknown[] = [o.from, o.to];
  let where = `a.at >= $1 AND a.at < $2${scopeSql(o.scope, params)}`;
  if (o.unitId !== undefined) {
    params.push(o.unitId);
    where += ` AND (u.id = $${params.length} OR u.county_id = $${params.length} OR u.parent_id = $${params.length})`;
  }
  const from = `FROM activity a JOIN org_unit u ON u.id = a.org_unit_id JOIN chat_group g ON g.id = a.group_id WHERE ${where}`;
  const total = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n ${from}`, params)).rows[0].n;
  const { rows } = await pool.query<{ id: number; org_unit_id: number; unit_name: string; topic: string; caption: string; at: Date }>(
    `SELECT a.id, a.org_unit_id, u.name AS unit_name, g.topic, a.caption, a.at ${from}
      ORDER BY a.at DESC, a.id DESC LIMIT ${Math.max(1, Math.min(o.limit ?? 1000, 1000))} OFFSET ${Math.max(0, o.offset ?? 0)}`,
    params,
  );
  const ids = rows.map((r) => r.id);
  const media = ids.length
    ? (await pool.query<{ id: number; activity_id: number; kind: MediaKind; file: string; mime_type: string; bytes: number; at: Date }>(
        'SELECT id, activity_id, kind, file, mime_type, bytes, at FROM activity_media WHERE activity_id = ANY($1::int[]) ORDER BY at, id',
        [ids],
      )).rows
    : [];
  return {
    total,
    items: rows.map((r) => ({
      id: r.id, orgUnitId: r.org_unit_id, unitName: r.unit_name, groupTopic: r.topic, caption: r.caption, at: r.at,
      media: media.filter((x) => x.activity_id === r.id).map((x) => ({ id: x.id, kind: x.kind, file: x.file, mimeType: x.mime_type, bytes: x.bytes, at: x.at })),
    })),
  };
}

/** One media row with its unit (for scoped downloads), or undefined. */
export async function mediaById(pool: pg.Pool, id: number): Promise<(MediaRow & { orgUnitId: number; countyId: number | null }) | undefined> {
  const { rows } = await pool.query(
    `SELECT m.id, m.kind, m.file, m.mime_type, m.bytes, m.at, u.id AS org_unit_id, u.county_id
       FROM activity_media m JOIN activity a ON a.id = m.activity_id JOIN org_unit u ON u.id = a.org_unit_id WHERE m.id = $1`,
    [id],
  );
  const r = rows[0];
  return r && { id: r.id, kind: r.kind, file: r.file, mimeType: r.mime_type, bytes: r.bytes, at: r.at, orgUnitId: r.org_unit_id, countyId: r.county_id };
}
