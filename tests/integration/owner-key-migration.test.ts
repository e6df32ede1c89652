// Owner keys in their own HMAC context (issue 13, item 9): the owner_key_context migration blanks the
// old keys (which were the registrants' member keys) in SQL, and openDatabase re-derives them with
// the ledger secret. Before: chat_group joined to confirmation names a teacher's replies; after: no join.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account, AppContext } from '../../bot/app.ts';
import { loadConfig } from '../../bot/config.ts';
import { migrate } from '../../bot/db/migrate.ts';
import { openDatabase } from '../../bot/db/open.ts';
import { memberKey, ownerKey } from '../../bot/ledger/member-key.ts';
import { rederiveOwnerKeys } from '../../bot/ledger/owner-keys.ts';
import { isManager } from '../../bot/registry/authority.ts';
import type { GroupWithUnit } from '../../bot/registry/groups.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { account, post, unit } from '../helpers/ledger-fixture.ts';
import { captureLog } from '../helpers/log.ts';

const MIGRATION = '20261127200000_owner_key_context';
const SECRET = 'owner-key-test-secret-0123456789abcdef';

let db: TestDb;
let groups: { id: number; name: string }[];
beforeAll(async () => {
  db = await freshDb();
  const city = await unit(db.pool, '钦州市教育局', 'city', null, null);
  const county = await unit(db.pool, '钦南区教育局', 'county', city, null);
  const school = await unit(db.pool, '城东小学', 'school', county, county);
  const acct = await account(db.pool);
  groups = [];
  // Rows as the code before the migration wrote them: owner_key = the registrant's member key.
  for (const [kind, topic, name] of [['work', '城东小学教师群', '张老师'], ['parent', '三年级2班家长群', '李老师']] as const) {
    const { rows } = await db.pool.query<{ id: number }>(
      `INSERT INTO chat_group (kind, org_unit_id, bot_account_id, topic, room_id, registered_by, owner_key)
       VALUES ($1, $2, $3, $4, $4, $5, '') RETURNING id`,
      [kind, school, acct, topic, name],
    );
    const id = rows[0].id;
    await db.pool.query('UPDATE chat_group SET owner_key = $2 WHERE id = $1', [id, memberKey(SECRET, id, name)]);
    groups.push({ id, name });
  }
  // 张老师 confirmed a post in the work group (as staff, the audience of a work group).
  const p = await post(db.pool, { title: '警惕刷单诈骗' });
  await db.pool.query(`INSERT INTO confirmation (post_id, group_id, member_key, at, how) VALUES ($1, $2, $3, now(), 'keyword')`, [
    p.id,
    groups[0].id,
    memberKey(SECRET, groups[0].id, '张老师'),
  ]);
});
afterAll(async () => db.drop());

/** Confirmations that chat_group.registered_by names, through owner_key = member_key. */
const named = async () =>
  (
    await db.pool.query<{ registered_by: string }>(
      'SELECT g.registered_by FROM chat_group g JOIN confirmation c ON c.group_id = g.id AND c.member_key = g.owner_key',
    )
  ).rows.map((r) => r.registered_by);

describe('owner keys in their own context', () => {
  it('the old rows could be joined to a named registrant; the migration blanks them in SQL', async () => {
    expect(await named()).toEqual(['张老师']);
    // Re-apply the migration over these rows, as a deployment upgraded from the earlier schema would.
    await db.pool.query('DELETE FROM "_prisma_migrations" WHERE migration_name = $1', [MIGRATION]);
    const applied = await migrate(db.pool, captureLog().log);
    expect(applied).toEqual([MIGRATION]);
    const { rows } = await db.pool.query<{ owner_key: string }>('SELECT owner_key FROM chat_group ORDER BY id');
    expect(rows.map((r) => r.owner_key)).toEqual(['', '']);
    expect(await named()).toEqual([]);
  });

  it('openDatabase re-derives them with the secret, once, and the owner is recognised again', async () => {
    const cap = captureLog('info');
    const url = db.url;
    const opened = await openDatabase(loadConfig({ DATABASE_URL: url, LEDGER_SECRET: SECRET }), cap.log, { prisma: false });
    await opened.shutdown();
    expect(cap.lines.filter((l) => l.msg === 'owner keys derived in their own context (owner_key_context migration)')).toMatchObject([{ groups: 2 }]);
    for (const g of groups) {
      const { rows } = await db.pool.query<{ owner_key: string }>('SELECT owner_key FROM chat_group WHERE id = $1', [g.id]);
      expect(rows[0].owner_key).toBe(ownerKey(SECRET, g.id, g.name));
      expect(rows[0].owner_key).not.toBe(memberKey(SECRET, g.id, g.name));
    }
    expect(await named()).toEqual([]);
    // Idempotent: a second process starting finds nothing left to do.
    expect(await rederiveOwnerKeys(db.pool, SECRET)).toBe(0);

    // The owner check (bot/registry/authority.ts isManager) accepts the registrant, no one else.
    const ctx = { ledgerSecret: SECRET } as AppContext;
    const acct = {} as Account;
    const group = (await db.prisma.chatGroup.findUniqueOrThrow({ where: { id: groups[1].id }, include: { orgUnit: true } })) as GroupWithUnit;
    expect(await isManager(ctx, acct, group, { id: 'x', name: '李老师' })).toBe(true);
    expect(await isManager(ctx, acct, group, { id: 'y', name: '王老师' })).toBe(false);
  });
});
