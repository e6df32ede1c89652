// Two accounts capturing a channel's first push at the same moment: one source row, no error.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ensureSource } from '../../bot/sources/capture.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb();
});
afterAll(async () => db.drop());

it('creates a new source once when many callers race for it', async () => {
  const ref = { kind: 'official' as const, scope: 'national' as const, name: '国家反诈中心', key: 'official:国家反诈中心' };
  const rows = await Promise.all(Array.from({ length: 8 }, () => ensureSource(db.prisma, ref)));
  expect(new Set(rows.map((r) => r.id)).size).toBe(1);
  expect(await db.prisma.source.count({ where: { key: ref.key } })).toBe(1);
});
