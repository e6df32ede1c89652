// `antifraud group list | unregister` as an operator runs it: the same unregister operation as the
// chat's #注销 (one transaction with its audit row), polite sentences for unknown, ambiguous and
// already-unregistered groups.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { runCli } from '../helpers/cli.ts';
import { fixtures } from '../helpers/fixtures.ts';

let db: TestDb;
let ids: { work: number; parent: number; twinA: number; twinB: number };
beforeAll(async () => {
  db = await freshDb();
  const f = fixtures(db.prisma);
  const county = await f.unit('钦南区教育局', 'county');
  const school = await f.unit('城东小学', 'school', county);
  const acct = await f.account('relay-1');
  const work = await f.group(school, acct, { kind: 'work', topic: '城东小学工作群', registeredBy: '周主任' });
  const parent = await f.group(school, acct, { kind: 'parent', topic: '三年级2班家长群', className: '三年级2班', registeredBy: '钱老师' });
  await db.prisma.chatGroup.update({ where: { id: parent.id }, data: { autoForward: true } });
  const twinA = await f.group(school, acct, { kind: 'parent', topic: '同名群', className: '一年级1班' });
  const twinB = await f.group(school, acct, { kind: 'parent', topic: '同名群', className: '一年级2班' });
  ids = { work: work.id, parent: parent.id, twinA: twinA.id, twinB: twinB.id };
});
afterAll(async () => db.drop());

const cli = (args: string[]) => runCli(db, args);

describe('antifraud group', () => {
  it('explains itself', async () => {
    const help = await cli(['group', 'unregister', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("<group>");
    expect(help.stdout).toContain('antifraud group unregister 12');
    expect(help.stdout).toContain('这次变更记入审计日志');
  }, 60_000);

  it('lists the registered groups with ids, then unregisters one by id, audited as the CLI', async () => {
    const list = await cli(['group', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^\\s*${ids.parent}\\s+城东小学 三年级2班 家长群\\s+三年级2班家长群\\s+正常\\s+relay-1`, 'm'));

    const r = await cli(['group', 'unregister', String(ids.parent)]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`已注销群 ${ids.parent}:城东小学 三年级2班 家长群(群名"三年级2班家长群")。不再向该群转发;需要时可在群里重新登记(#登记 或 #班级)。`);
    const g = await db.prisma.chatGroup.findUniqueOrThrow({ where: { id: ids.parent } });
    expect(g).toMatchObject({ status: 'left', statusReason: 'unregistered', roomId: null, autoForward: false });
    const audit = await db.prisma.auditEvent.findMany({ where: { groupId: ids.parent } });
    expect(audit).toHaveLength(1);
    expect(audit[0].action).toBe('group.unregistered');
    expect(audit[0].actor).toMatch(/^cli/);
    expect(audit[0].detail).toMatchObject({ topic: '三年级2班家长群', via: 'cli' });

    // Again: nothing changes, and it says so.
    const again = await cli(['group', 'unregister', String(ids.parent)]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('已经注销');
    expect(await db.prisma.auditEvent.count({ where: { groupId: ids.parent } })).toBe(1);
    // The default list leaves it out; --all shows it as unregistered.
    expect((await cli(['group', 'list'])).stdout).not.toContain('三年级2班家长群');
    expect((await cli(['group', 'list', '--all'])).stdout).toMatch(/三年级2班家长群\s+已注销/);
  }, 120_000);

  it('unregisters by exact topic, and refuses a topic several groups share or an unknown group, changing nothing', async () => {
    const byTopic = await cli(['group', 'unregister', '城东小学工作群']);
    expect(byTopic.code).toBe(0);
    expect(byTopic.stdout).toContain(`已注销群 ${ids.work}`);

    const twins = await cli(['group', 'unregister', '同名群']);
    expect(twins.code).toBe(1);
    expect(twins.stderr.trim()).toBe(`antifraud: 有 2 个登记群名为"同名群"(编号 ${ids.twinA}, ${ids.twinB}),请用编号注销,例如 \`antifraud group unregister ${ids.twinA}\`。`);
    const unknown = await cli(['group', 'unregister', '不存在的群']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.trim()).toBe('antifraud: 没有编号或群名为"不存在的群"的登记群。用 `antifraud group list` 查看全部登记群及其编号。');
    expect(unknown.stderr).not.toContain('    at ');
    const statuses = await db.prisma.chatGroup.findMany({ where: { id: { in: [ids.twinA, ids.twinB] } }, select: { status: true } });
    expect(statuses.map((s) => s.status)).toEqual(['active', 'active']);
  }, 120_000);
});
