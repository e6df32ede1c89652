// The relay as a child process for the crash test (tests/integration/relay-crash.test.ts): real
// workers against the test database, with a ChatPort whose "network" is an fsync'ed append to a
// file. A line in that file (account, room, codes, pid) means the group received the message,
// whatever happens afterwards.
import fs from 'node:fs';
import type { ChatPort, Member, Outgoing, RoomInfo } from '../../bot/chat-types.ts';
import { systemClock } from '../../bot/clock.ts';
import { loadConfig } from '../../bot/config.ts';
import { connect } from '../../bot/db/client.ts';
import { createLogger } from '../../bot/log.ts';
import { codesIn } from '../../bot/relay/render.ts';
import type { RelaySettings } from '../../bot/relay/settings.ts';
import { startWorker } from '../../bot/relay/worker.ts';
import { contentSettings } from '../../bot/core/settings.ts';

const url = process.env.CRASH_DB_URL!;
const accounts = JSON.parse(process.env.CRASH_ACCOUNTS!) as { id: number; name: string }[];
const settings = JSON.parse(process.env.CRASH_SETTINGS!) as RelaySettings;
const netFd = fs.openSync(process.env.CRASH_NET_FILE!, 'a');
const [sayMin, sayMax] = JSON.parse(process.env.CRASH_SAY_MS ?? '[5, 15]') as [number, number];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const jitter = () => sayMin + Math.random() * (sayMax - sayMin);

function fileChat(accountName: string): ChatPort {
  return {
    accountName,
    capabilities: () => ({ card: false, file: false, forward: false }),
    async sayToRoom(roomId: string, out: Outgoing) {
      await sleep(jitter() / 2);
      const text = out.type === 'text' ? out.text : '';
      fs.writeSync(netFd, `${accountName}\t${roomId}\t${codesIn(text).join(',')}\t${process.pid}\n`);
      fs.fsyncSync(netFd);
      await sleep(jitter() / 2);
    },
    async sayToContact() {
      throw new Error('not used');
    },
    async roomMembers(roomId: string): Promise<Member[]> {
      return [{ id: `${roomId}-bot`, name: '反诈助手' }, { id: `${roomId}-p1`, name: '家长1' }];
    },
    async room() {
      return undefined;
    },
    async rooms(): Promise<RoomInfo[]> {
      return [];
    },
  };
}

const db = connect(url, { max: accounts.length * 2 + 2 });
const log = createLogger({ level: 'error', pretty: false, destination: process.stderr as never });
const ctx = { db, clock: systemClock, log, config: loadConfig({}), settings: contentSettings(), ledgerSecret: 'crash-test-ledger-secret-0123456789' };
const workers = accounts.map((a) => startWorker(ctx, { id: a.id, name: a.name, chat: fileChat(a.name) }, { settings, stopWhenIdle: true }));
process.stdout.write('ready\n');
await Promise.all(workers.map((w) => w.done));
await db.close();
process.stdout.write('idle\n');
process.exit(0);
