// Media keyed by content (issue 11): two bot accounts follow the same channel; each receives the
// same video as its own message (different message ids). It must become ONE post, so no group gets
// the file twice. A different file, or the same file much later, is a post of its own.
import { FileBox } from 'file-box';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA_WINDOW_MS } from '../../bot/sources/media-key.ts';
import { chatWorld, type ChatWorld } from '../helpers/chat-fixture.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

let db: TestDb;
let a: ChatWorld;
let b: ChatWorld;
beforeAll(async () => {
  db = await freshDb();
  a = await chatWorld({ db, accountName: 'relay-1' });
  b = await chatWorld({ db, accountName: 'relay-2' });
});
afterAll(async () => {
  await a.stop();
  await b.stop();
  await db.drop();
});

const VIDEO = 'AAAAGGZ0eXBtcDQyAAAAAG1wNDJpc29tAAAACGZyZWU='; // the start of an mp4
const video = (bytes = VIDEO) => FileBox.fromBase64(bytes, '刷单返利都是诈骗.mp4');

describe('media posts keyed by content', () => {
  it('the same video pushed to two accounts is one post with two origins', async () => {
    await a.official('国家反诈中心').sendsFile(video());
    await b.official('国家反诈中心').sendsFile(video());
    const posts = await db.prisma.post.findMany({ where: { kind: 'video' }, include: { origins: true } });
    expect(posts).toHaveLength(1);
    expect(posts[0].canonicalKey).toMatch(/^media:video:sha256:[0-9a-f]{64}:\d+$/);
    expect(posts[0].origins.map((o) => o.externalId)).toHaveLength(2);
    expect(new Set(posts[0].origins.map((o) => o.externalId)).size).toBe(2); // two message ids, one post
    expect(a.posts.length + b.posts.length).toBe(1); // planned once
  });

  it('another file is another post; the same file in the next window is still the same post', async () => {
    await a.official('国家反诈中心').sendsFile(video('AAAAGGZ0eXBtcDQyAAAAAG1wNDJpc29tAAAACGZyZWUAAAAA'));
    expect(await db.prisma.post.count({ where: { kind: 'video' } })).toBe(2);
    b.clock.advance(MEDIA_WINDOW_MS); // the other account sees it a window later (a late sync)
    await b.official('国家反诈中心').sendsFile(video());
    expect(await db.prisma.post.count({ where: { kind: 'video' } })).toBe(2);
    b.clock.advance(2 * MEDIA_WINDOW_MS); // re-posted much later: a new post
    await b.official('国家反诈中心').sendsFile(video());
    expect(await db.prisma.post.count({ where: { kind: 'video' } })).toBe(3);
  });
});
