// Activity material through the chat fixture (real Wechaty + wechaty-puppet-mock): `#活动` after or
// before the photos, the confirmation in the group, files under DATA_DIR, and the refusals.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileBox } from 'file-box';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listActivities } from '../../bot/reports/activities.ts';
import { chatWorld, type ChatWorld } from '../helpers/chat-fixture.ts';
import { freshDb, importOrgCodes, type TestDb } from '../helpers/db.ts';
import { mp4, png } from '../helpers/media.ts';

const ORG = `county,name,kind,parent
,钦州市教育局,city,
灵山县,灵山县教育局,county,钦州市教育局
灵山县,城东小学,school,灵山县教育局
`;

let db: TestDb;
let w: ChatWorld;
let work: ReturnType<ChatWorld['group']>;
let cls: ReturnType<ChatWorld['group']>;
let dir: string;
const photo = (n: number) => FileBox.fromBase64(png(n).toString('base64'), `IMG_${n}.png`);
const video = (n: number) => FileBox.fromBase64(mp4(n).toString('base64'), `VID_${n}.mp4`);
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  db = await freshDb();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'activity-'));
  const code = (await importOrgCodes(db, ORG))['城东小学'];
  w = await chatWorld({ db, activities: { dataDir: dir, confirmAfterMs: 1500 } });
  work = w.group('城东小学教职工群', ['刘老师', '黄老师']);
  expect(await w.person('刘老师').in(work).says(`#登记 ${code}`)).toContain('登记成功');
  cls = w.group('城东小学四(1)班家长群', ['刘老师', '王妈妈']);
  expect(await w.person('刘老师').in(cls).says('#班级 四(1)班')).toContain('登记成功');
});
afterAll(async () => {
  await w.stop();
  await db.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('#活动 through the mock puppet', () => {
  it('files the photos sent just before, confirms with the counts, and keeps the files under DATA_DIR', async () => {
    expect(await w.person('黄老师').in(work).sends(photo(1))).toBe(''); // no reply to a bare photo
    await w.person('黄老师').in(work).sends(photo(2));
    await w.person('黄老师').in(work).sends(video(3));
    const reply = await w.person('黄老师').in(work).says('#活动 国家安全教育日主题班会');
    expect(reply).toBe('已收到「国家安全教育日主题班会」的活动材料:照片 2 张、视频 1 个,已归入城东小学的工作小结。30 分钟内继续发送的照片或视频也会归入这次活动。');
    const { items } = await listActivities(db.pool, { from: new Date('2026-11-01'), to: new Date('2026-12-01') });
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ caption: '国家安全教育日主题班会', unitName: '城东小学', groupTopic: '城东小学教职工群' });
    expect(items[0].media.map((m) => [m.kind, m.mimeType])).toEqual([['image', 'image/png'], ['image', 'image/png'], ['video', 'video/mp4']]);
    expect(fs.readFileSync(path.join(dir, items[0].media[1].file)).equals(png(2))).toBe(true);
    // No sender name is stored anywhere in the activity rows.
    const { rows } = await db.pool.query('SELECT row_to_json(a)::text AS j FROM activity a');
    expect(rows[0].j).not.toContain('黄老师');
  });

  it('opens an activity first; the photos that follow are confirmed once, as one batch', async () => {
    expect(await w.person('刘老师').in(work).says('#活动 反诈知识讲座')).toContain('请在 30 分钟内在本群发送「反诈知识讲座」的照片或视频');
    await w.person('刘老师').in(work).sends(photo(4));
    await w.person('刘老师').in(work).sends(photo(5));
    await w.person('刘老师').in(work).sends(photo(5)); // the same photo twice counts once
    await wait(2500);
    const texts = w.sent(work.id);
    expect(texts.at(-1)).toBe('「反诈知识讲座」又收到 2 个照片或视频,本次活动共有照片 2 张、视频 0 个。');
    expect(texts.filter((t) => t.includes('又收到'))).toHaveLength(1);
  });

  it('does not take another sender’s photos, nor photos older than 30 minutes', async () => {
    w.clock.advance(31 * 60_000); // both activities above are closed now
    await w.person('黄老师').in(work).sends(photo(6));
    w.clock.advance(31 * 60_000);
    await w.person('黄老师').in(work).sends(photo(7));
    const reply = await w.person('黄老师').in(work).says('#活动 家长会反诈宣传');
    expect(reply).toContain('照片 1 张、视频 0 个');
    // 刘老师's activity of 31 minutes ago is closed: a new photo from them is not filed.
    await w.person('刘老师').in(work).sends(photo(8));
    await wait(2000);
    const { items } = await listActivities(db.pool, { from: new Date('2026-11-01'), to: new Date('2026-12-01') });
    expect(items.map((a) => [a.caption, a.media.length])).toEqual([['家长会反诈宣传', 1], ['反诈知识讲座', 2], ['国家安全教育日主题班会', 3]]);
  });

  it('is refused politely in a parent group and without a caption; parents’ photos are never collected', async () => {
    await w.person('王妈妈').in(cls).sends(photo(9));
    expect(await w.person('刘老师').in(cls).says('#活动 班会')).toBe('活动材料请在本单位已登记的工作群里发送(#活动 主题)。');
    expect(await w.person('刘老师').in(work).says('#活动')).toContain('#活动 <活动主题>');
    expect(await w.person('刘老师').in(work).says(`#活动 ${'很长的主题'.repeat(13)}`)).toBe('活动主题请不超过 60 个字。');
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM activity_media');
    expect(rows[0].n).toBe(6);
  });
});
