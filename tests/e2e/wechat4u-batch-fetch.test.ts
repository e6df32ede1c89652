// An account with many saved rooms, on the REAL wechat4u (patched, patches/README.md) against the fake
// web-WeChat: the rooms' members are asked for 50 rooms per request, one request after another, not
// all rooms in one request (500 rooms of 500 members made one answer of about 60 MB).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WechatyBuilder, type Wechaty } from 'wechaty';
import { PuppetWechat4u } from 'wechaty-puppet-wechat4u';
import { bigWorld, installWebWechatFake, type WebWechatFake } from '../helpers/wechat4u-fake.ts';
import { until } from '../helpers/wechat4u-runtime.ts';

const ROOMS = 120;
let fake: WebWechatFake;
let wechaty: Wechaty;
let dir: string;

beforeAll(async () => {
  fake = installWebWechatFake(bigWorld(ROOMS, 3));
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'w4u-batch-'));
  wechaty = WechatyBuilder.build({ name: path.join(dir, 'batch'), puppet: new PuppetWechat4u() });
  const loggedIn = new Promise((resolve) => wechaty.once('login', resolve));
  await wechaty.start();
  await loggedIn;
}, 60_000);

afterAll(async () => {
  // (see wechat4u-puppet-patch.test.ts: the puppet's logout handler restarts the client it dropped)
  (wechaty?.puppet as unknown as { wechat4u?: { removeAllListeners(e: string): void } } | undefined)?.wechat4u?.removeAllListeners('logout');
  await wechaty?.stop().catch(() => undefined);
  fake?.restore();
  setTimeout(() => fs.rmSync(dir, { recursive: true, force: true }), 2_000).unref();
});

describe('an account with 120 saved rooms logs in', () => {
  it('asks for the rooms 50 at a time and gets every room with its members', async () => {
    await until(async () => {
      const ids = await wechaty.puppet.roomList();
      if (ids.length !== ROOMS) return false;
      return (await Promise.all(ids.map((id) => wechaty.puppet.roomPayload(id)))).every((p) => p.memberIdList.length === 3);
    }, `all ${ROOMS} rooms with their members`);
    // (the login's fetches come first; a later one may ask for a single contact)
    expect(fake.batches.slice(0, 3)).toEqual([50, 50, 20]);
    expect(Math.max(...fake.batches)).toBeLessThanOrEqual(50);
  });
});
