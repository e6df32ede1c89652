// The production runtime (bot/runtime.ts) on the REAL wechaty-puppet-wechat4u against the fake
// web-WeChat server (tests/helpers/wechat4u-fake.ts), for tests that need logins, re-logins and
// the relay together. Time is real (a clock that starts at a Monday morning in Beijing).
import { contentSettings } from '../../bot/core/settings.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PuppetWechat4u } from 'wechaty-puppet-wechat4u';
import type { AppContext } from '../../bot/app.ts';
import { loadConfig } from '../../bot/config.ts';
import type { RelaySettings } from '../../bot/relay/settings.ts';
import { startRuntime, type Runtime } from '../../bot/runtime.ts';
import { createWechatBot, type WechatBot } from '../../bot/wechat/bot.ts';
import { installFatalHandlers } from '../../bot/wechat/fatal.ts';
import type { TestDb } from './db.ts';
import { captureLog, type CapturedLog } from './log.ts';
import { fastClock, testSettings } from './relay-world.ts';
import { installWebWechatFake, type FakeOptions, type RawContact, type WebWechatFake } from './wechat4u-fake.ts';

/** Monday 09:00 in Beijing: the work groups' window is open; parent groups' opens at 12:00. */
export const W4U_START = '2026-11-23T09:00:00+08:00';

/** Relay settings for these tests: every window open all day, short gaps, quick polling. */
export function openSettings(sending: Partial<RelaySettings['sending']> = {}): RelaySettings {
  const allDay = [{ days: 'daily' as const, from: '00:00', to: '23:59' }];
  return testSettings(
    { gapMs: [20, 60], perMinute: 1000, pollMs: 200, retryBaseMs: 200, ...sending },
    { windows: { work: allDay, parent: allDay }, quiet: { from: '23:59', to: '00:00' } },
  );
}

export interface Wechat4uRuntime {
  ctx: AppContext;
  fake: WebWechatFake;
  bot: WechatBot;
  runtime: Runtime;
  captured: CapturedLog;
  /** Waits for the current session's rooms, then emits `ready` (wechat4u waits ~25 s for it). */
  ready(): Promise<void>;
  /** The text messages the fake server accepted for a room or contact, in any session (given by its first-session id). */
  textsTo(firstSessionId: string): string[];
  stop(): Promise<void>;
}

/** Polls `cond` every 25 ms for up to `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

/**
 * Waits until at least `planned` delivery rows exist and none is left to send, read in ONE query: as
 * two queries ("none open", then "enough rows") the wait could end when the first ran before the
 * fan-out was planned and the second after it, with the rows still being sent (a flake of
 * wechat4u-relogin.test.ts: its diagnostics showed four rows `sending` and nothing refused).
 */
export async function untilFannedOut(pool: TestDb['pool'], planned: number, what: string, ms: number): Promise<void> {
  await until(async () => {
    const { open, rows } = (await pool.query<{ open: number; rows: number }>(
      "SELECT count(*) FILTER (WHERE status IN ('pending', 'sending'))::int AS open, count(*)::int AS rows FROM delivery",
    )).rows[0];
    return open === 0 && rows >= planned;
  }, what, ms);
}

/** Starts the runtime for one account on wechat4u + the fake; resolves once logged in and ready. */
export async function startWechat4uRuntime(
  db: TestDb,
  contacts: RawContact[],
  opts: { settings?: RelaySettings; fake?: FakeOptions; name?: string } = {},
): Promise<Wechat4uRuntime> {
  const fake = installWebWechatFake(contacts, opts.fake);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'w4u-rt-'));
  const captured = captureLog('debug');
  const ctx: AppContext = { db, clock: fastClock(W4U_START, 1), log: captured.log, config: loadConfig({}), settings: { ...contentSettings(), sources: { channels: [{ name: '国家反诈中心', scope: 'national' }], feeds: [], admins: [], pollMinutes: 30 }, relay: opts.settings ?? openSettings() }, ledgerSecret: db.ledgerSecret };
  const name = opts.name ?? 'w4u-relay';
  const bot = createWechatBot({ name, dataDir: dir, puppet: 'wechaty-puppet-wechat4u', puppetInstance: new PuppetWechat4u(), log: captured.log, printQr: false });
  const loggedIn = new Promise((resolve) => bot.wechaty.once('login', resolve));
  const runtime = await startRuntime(ctx, [{ name, puppet: 'wechaty-puppet-wechat4u', wechat: bot }], {
    schedules: { jobs: [], problems: [] },
  });
  await loggedIn;
  installFatalHandlers(captured.log, async () => undefined);
  const rooms = contacts.filter((c) => c.UserName.startsWith('@@'));
  const ready = async () => {
    await until(async () => {
      const live = new Set(await bot.wechaty.puppet.roomList());
      if (!rooms.every((r) => live.has(fake.id(r.UserName)))) return false;
      // Each room's members come with its own fetch (batchgetcontact).
      for (const r of rooms) if (!(await bot.wechaty.puppet.roomPayload(fake.id(r.UserName))).memberIdList.length) return false;
      return true;
    }, 'the rooms of this session');
    bot.wechaty.puppet.emit('ready', { data: 'test' });
  };
  await ready();
  return {
    ctx, fake, bot, runtime, captured, ready,
    textsTo: (id) => fake.sends.filter((s) => s.to.startsWith(id) && s.type === 1).map((s) => s.content),
    stop: async () => {
      await runtime.stop();
      await bot.wechaty.stop().catch(() => undefined);
      fake.restore();
      // The session backup may still be writing into it (a stopped puppet's last save): a temp dir left
      // behind is not a test failure.
      try {
        fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      } catch {
        /* left in the OS temp dir */
      }
    },
  };
}
