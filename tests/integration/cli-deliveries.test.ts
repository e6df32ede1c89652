// `antifraud deliveries <post-code>` as a user runs it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../bot/clock.ts';
import { planPost } from '../../bot/relay/plan.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { addPost, seedWorld, testContext, testSettings } from '../helpers/relay-world.ts';
import { runCli } from '../helpers/cli.ts';

let db: TestDb;
beforeAll(async () => {
  db = await freshDb();
});
afterAll(async () => db.drop());

const cli = (args: string[]) => runCli(db, args);

describe('antifraud deliveries', () => {
  it('shows the delivery log of one post, and the unknown sends', async () => {
    const world = await seedWorld(db.pool, ['cli-1'], [{ kind: 'work', account: 0, count: 2 }, { kind: 'parent', account: 0, autoForward: false }]);
    const post = await addPost(db.pool, world, { title: '警惕冒充客服退款诈骗' });
    await planPost(testContext(db, fixedClock('2026-11-27T07:00:00+08:00')), post.id, testSettings());
    await db.pool.query(
      "UPDATE delivery SET status = 'unknown', attempts = 1, error = 'may have been sent, not resent automatically: socket hang up' WHERE group_id = $1",
      [world.groups[0].id],
    );
    const r = await cli(['deliveries', post.code.toLowerCase()]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${post.code}《警惕冒充客服退款诈骗》`);
    expect(r.stdout).toContain('共 3 个群:待发送 1,发送中 0,已发送 0,失败 0,未知 1,跳过 1');
    expect(r.stdout).toMatch(/parent-cli-1-\d+-1\s+parent\s+示例小学\s+cli-1\s+跳过.*auto-forward is off for this parent group/);
    expect(r.stdout).toMatch(/未知.*socket hang up/);
    // Times in the configured zone, like every CLI time: the work groups' window opens at 08:30 Beijing time.
    expect(r.stdout).toContain('2026-11-27 08:30:00');
    expect(r.stdout).not.toContain('00:30:00Z');
    const json = JSON.parse((await cli(['deliveries', post.code, '--json'])).stdout);
    expect(json.rows).toHaveLength(3);
    const unknown = await cli(['deliveries', '--unknown']);
    expect(unknown.stdout).toContain('socket hang up');
    expect(unknown.stdout.trim().split('\n')).toHaveLength(3); // header, rule, one row
  }, 120_000); // four CLI processes: slow on a loaded machine

  it('says what is wrong with a bad code', async () => {
    const r = await cli(['deliveries', 'F999999']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('antifraud: 没有编号为 F999999 的推送(编号形如 F12)。用 `antifraud posts` 查看全部推送。');
    const none = await cli(['deliveries']);
    expect(none.stderr.trim()).toBe('antifraud: 请给出推送编号(例如 `antifraud deliveries F12`),或使用 --unknown。');
  }, 60_000);
});
