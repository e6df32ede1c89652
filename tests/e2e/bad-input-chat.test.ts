// Bad input in chat (issue 13, items 2 and 8): NUL bytes in a sender's name, a topic or a command,
// and class names that are not class names. Each gets a polite answer or is cleaned; no apology, no
// error log, nothing half-written.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkClassName } from '../../bot/registry/class-name.ts';
import { chatWorld, type ChatWorld } from '../helpers/chat-fixture.ts';
import { freshDb, importOrgCodes, type TestDb } from '../helpers/db.ts';

const ORG = `county,name,kind,parent
,钦州市教育局,city,
钦南区,钦南区教育局,county,钦州市教育局
钦南区,城东小学,school,钦南区教育局
`;

let db: TestDb;
let w: ChatWorld;
let codes: Record<string, string>;
beforeAll(async () => {
  db = await freshDb();
  codes = await importOrgCodes(db, ORG);
  w = await chatWorld({ db });
});
afterAll(async () => {
  await w?.stop();
  await db?.drop();
});

const errors = () => w.log.lines.filter((l) => Number(l.level) >= 50);

describe('NUL bytes from WeChat', () => {
  it('registers a work group sent by a member whose name holds a NUL, with the name cleaned', async () => {
    const work = w.group('城东小学\u0000工作群', ['张\u0000老师', '李老师']);
    const reply = await w.person('张\u0000老师').in(work).says(`#登记 ${codes['城东小学']}\u0000`);
    expect(reply).toContain('登记成功');
    expect(reply).not.toContain('抱歉');
    const g = await db.prisma.chatGroup.findFirstOrThrow({ where: { kind: 'work' } });
    expect(g).toMatchObject({ topic: '城东小学工作群', registeredBy: '张老师' });
    expect(errors()).toEqual([]);
  });

  it('registers a class whose command holds a NUL, cleaned, and a confirmation from a NUL name counts', async () => {
    const parent = w.group('三年级1班家长群', ['李老师', '王\u0000妈妈']);
    const reply = await w.person('李老师').in(parent).says('#班级 三年级\u00001班');
    expect(reply).toContain('登记成功');
    expect((await db.prisma.chatGroup.findFirstOrThrow({ where: { kind: 'parent' } })).className).toBe('三年级1班');
    expect(await w.person('王\u0000妈妈').in(parent).says('收到\u0000')).not.toContain('抱歉');
    expect(errors()).toEqual([]);
  });
});

describe('class names', () => {
  it.each([
    ['=1+2', 'a formula'],
    ['+SUM(1,1)', 'a formula'],
    ['-3班', 'a formula'],
    ['@全体', 'a mention'],
    ['三年级😀班', 'an emoji'],
    ['<script>', 'markup'],
    ['班'.repeat(31), 'too long'],
    ['\u3164', 'an invisible filler'],
  ])('refuses %s (%s) politely and registers nothing', async (name) => {
    const parent = w.group(`家长群 ${name.slice(0, 8)}`, ['李老师']);
    const reply = await w.person('李老师').in(parent).says(`#班级 ${name}`);
    expect(reply).toContain('无法使用');
    expect(reply).toContain('三年级2班');
    expect(await db.prisma.chatGroup.count({ where: { roomId: parent.id } })).toBe(0);
    expect(errors()).toEqual([]);
  });

  it.each([
    ['三年级2班', '三年级2班'],
    ['高一（3）班', '高一(3)班'],
    ['２０２３级  1班', '2023级 1班'],
    ['Class 5A', 'Class 5A'],
    ['七年级·实验班', '七年级·实验班'],
  ])('accepts %s as %s', (raw, stored) => {
    expect(checkClassName(raw)).toBe(stored);
  });
});
