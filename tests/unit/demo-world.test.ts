// The simulated world on its own: people register, read what the bot posts and reply by the
// behaviour model; faults look like wechat4u's (Ret 1205 / 1204 AssertionErrors, new ids on re-login).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message, Wechaty } from 'wechaty';
import { installVirtualClock, type VirtualClock } from '../../bot/demo/virtual-clock.ts';
import { parseScenario, type Scenario } from '../../bot/demo/scenario.ts';
import { buildWorld, type World } from '../../bot/demo/world.ts';
import { silentLogger } from '../../bot/log.ts';
import { createWechatBot } from '../../bot/wechat/bot.ts';

const fixture = () => JSON.parse(fs.readFileSync(path.resolve(import.meta.dirname, '../fixtures/scenarios/small.json'), 'utf8'));

let vc: VirtualClock | undefined;
afterEach(() => {
  vc?.uninstall();
  vc = undefined;
});

interface Seen {
  topic: string;
  who: string;
  text: string;
  at: Date;
}

async function boot(s: Scenario): Promise<{ world: World; bots: Map<string, Wechaty>; seen: Seen[] }> {
  vc = installVirtualClock(new Date(s.start));
  const world = buildWorld(s);
  const bots = new Map<string, Wechaty>();
  const seen: Seen[] = [];
  for (const p of world.puppets()) {
    const bot = createWechatBot({ name: p.account, puppet: 'wechaty-puppet-mock', puppetInstance: p.puppet, log: silentLogger(), printQr: false });
    bot.wechaty.on('message', async (m: Message) => {
      const room = m.room();
      seen.push({ topic: room ? await room.topic() : '(private)', who: m.talker().name(), text: m.text(), at: new Date() });
    });
    await bot.start();
    bots.set(p.account, bot.wechaty);
  }
  world.login();
  return { world, bots, seen };
}

describe('the simulated world', () => {
  it('registers groups with the unit codes at the scenario times, including the wrong-code mistake', async () => {
    const s = parseScenario(fixture());
    const { world, seen } = await boot(s);
    world.schedule(new Map([['钦南区测试小学', 'AAAA-BBBB'], ['钦南区测试中学', 'CCCC-DDDD']]));
    await vc!.runUntil(new Date('2026-03-02T08:00:00+08:00'));
    const texts = seen.filter((m) => m.text.startsWith('#')).map((m) => `${m.topic} ${m.who} ${m.text}`);
    expect(texts).toContain('测试小学工作群 黄主任 #登记 AAAA-BBBB');
    expect(texts).toContain('测试中学工作群 陈主任 #登记 ZZZZ-9999');
    expect(texts).toContain('测试中学工作群 陈主任 #登记 CCCC-DDDD');
    expect(texts).toContain('测试小学三年级1班家长群 李老师 #班级 三年级1班');
    expect(texts).toContain('测试小学三年级1班家长群 李老师 #自动转发 开');
    const enroll = seen.find((m) => m.text === '#登记 AAAA-BBBB')!;
    expect(enroll.at.toISOString().slice(0, 16)).toBe('2026-03-01T23:10');
  });

  it('pushes channel posts to every following account as official-account messages', async () => {
    const s = parseScenario(fixture());
    const { world, bots } = await boot(s);
    const got: string[] = [];
    for (const [name, bot] of bots) {
      bot.on('message', async (m: Message) => {
        if (m.room() || m.talker().type() !== bot.Contact.Type.Official) return;
        const link = m.type() === bot.Message.Type.Url ? await m.toUrlLink() : undefined;
        got.push(`${name} ${m.talker().name()} ${link ? `${link.title()} ${link.url()}` : m.text()}`);
      });
    }
    world.schedule(new Map());
    await vc!.runUntil(new Date('2026-03-02T14:00:00+08:00'));
    const url = 'https://mp.weixin.qq.com/s?__biz=MzI1NjA2MTAwMA==&mid=2247500001&idx=1&sn=a1';
    expect(got.filter((g) => g.includes('开学季防诈骗提醒'))).toEqual([
      `relay-a 国家反诈中心 开学季防诈骗提醒 ${url}`,
      `relay-b 国家反诈中心 开学季防诈骗提醒 ${url}`,
      `relay-a 国家反诈中心 开学季防诈骗提醒 ${url}`,
      `relay-b 国家反诈中心 开学季防诈骗提醒 ${url}`,
    ]);
    expect(got).toContain('relay-a 钦州反诈 钦州反诈提醒:陌生来电要求转账的一律是诈骗');
  });

  it('members reply to a bot post by the behaviour model, once per post, reproducibly', async () => {
    const run = async () => {
      const s = parseScenario({ ...fixture(), faults: [], churn: [] });
      const { world, bots, seen } = await boot(s);
      world.schedule(new Map());
      await vc!.runUntil(new Date('2026-03-02T12:00:00+08:00'));
      const room = (await bots.get('relay-a')!.Room.find({ topic: '测试小学三年级1班家长群' }))!;
      await room.say('【国家反诈中心】开学季防诈骗提醒 F7 请回复"已阅"');
      await room.say('【国家反诈中心】开学季防诈骗提醒 F7 请回复"已阅"'); // seen twice, answered once
      await vc!.runUntil(new Date('2026-03-03T12:00:00+08:00'));
      vc!.uninstall();
      vc = undefined;
      return seen.filter((m) => m.topic === '测试小学三年级1班家长群' && !m.text.startsWith('#') && m.who !== 'relay-a').map((m) => `${m.who}:${m.text}`);
    };
    const first = await run();
    const members = 11; // 10 made-up parents and the teacher
    expect(first.length).toBeGreaterThan(members * 0.4);
    expect(first.length).toBeLessThanOrEqual(members);
    expect(new Set(first.map((r) => r.split(':')[0])).size).toBe(first.length);
    expect(first.every((r) => /已阅|收到|好的|已读/.test(r))).toBe(true);
    expect(await run()).toEqual(first);
  });

  it('a throttled account gets Ret 1205 like wechat4u, then sends again', async () => {
    const s = parseScenario(fixture());
    const { world, bots } = await boot(s);
    world.schedule(new Map());
    await vc!.runUntil(new Date('2026-03-02T12:00:00+08:00'));
    const room = (await bots.get('relay-b')!.Room.find({ topic: '测试中学工作群' }))!;
    const err = await room.say('F1 测试').then(() => undefined, (e: unknown) => e as Error & { actual: number; tips: string });
    expect(err?.name).toBe('AssertionError');
    expect(err?.actual).toBe(1205);
    expect(world.stats.throttles[0]).toMatchObject({ account: 'relay-b', refused: 1 });
    const other = (await bots.get('relay-a')!.Room.find({ topic: '测试小学工作群' }))!;
    await other.say('F1 另一个账号不受影响');
    await vc!.runUntil(new Date('2026-03-02T12:20:00+08:00'));
    await room.say('F1 恢复');
    expect(world.stats.throttles[0].resumedAt?.toISOString()).toBe('2026-03-02T04:20:00.000Z');
  });

  it('removes the bot from a group (sends then fail with Ret 1204) and re-login gives new ids', async () => {
    const s = parseScenario({ ...fixture(), faults: [{ type: 'remove', group: '测试中学初二(1)班家长群', at: 'D1 10:00' }, { type: 'relogin', account: 'relay-a', at: 'D1 11:00' }] });
    const { world, bots } = await boot(s);
    const left: string[] = [];
    const logins: string[] = [];
    bots.get('relay-b')!.on('room-leave', async (room, leavers) => void left.push(`${await room.topic()} ${leavers.map((l) => l.name()).join()}`));
    bots.get('relay-a')!.on('login', (u) => void logins.push(u.name()));
    world.schedule(new Map());
    await vc!.runUntil(new Date('2026-03-02T10:30:00+08:00'));
    expect(left).toEqual(['测试中学初二(1)班家长群 relay-b']);
    const gone = (await bots.get('relay-b')!.Room.find({ topic: '测试中学初二(1)班家长群' }))!;
    const err = await gone.say('F1').then(() => undefined, (e: { actual?: number }) => e);
    expect(err?.actual).toBe(1204);
    const before = (await bots.get('relay-a')!.Room.find({ topic: '测试小学工作群' }))!.id;
    logins.length = 0;
    await vc!.runUntil(new Date('2026-03-02T11:30:00+08:00'));
    expect(logins).toEqual(['relay-a']);
    const after = world.accounts.get('relay-a')!.roomIds.get(0)!;
    expect(after).not.toBe(before);
    const rooms = await bots.get('relay-a')!.Room.findAll({ topic: '测试小学工作群' });
    expect(rooms.map((r) => r.id)).toContain(after);
  });
});
