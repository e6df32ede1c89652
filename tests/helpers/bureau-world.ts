// A small city for the bureau-side tests: two counties and the city-direct schools, a few groups,
// one post with sent, failed and unknown deliveries, and a token per role.
import type { PrismaClient } from '../../bot/db/client.ts';
import { createToken, revokeToken } from '../../bot/http/tokens.ts';
import { fixtures } from './fixtures.ts';

export const AT = new Date('2026-11-20T02:00:00Z'); // 10:00 in Qinzhou

/** Builds the world; names of teachers are in registeredBy so tests can check they never leak. */
export async function bureauWorld(prisma: PrismaClient) {
  const f = fixtures(prisma);
  const city = await f.unit('钦州市教育局', 'city');
  const qinnan = await f.unit('钦南区教育局', 'county', city);
  const lingshan = await f.unit('灵山县教育局', 'county', city);
  const direct = await f.unit('市直学校', 'county', city);
  const a1 = await f.unit('钦南区第一小学', 'school', qinnan);
  const a2 = await f.unit('钦南区实验中学', 'school', qinnan);
  const b1 = await f.unit('灵山县城东小学', 'school', lingshan);
  const d1 = await f.unit('钦州市高级中学', 'school', direct);
  const bot = await f.account('relay-1', { loginState: 'waiting_scan', qrUrl: 'https://login.weixin.qq.com/l/abc123', throttleLevel: 1, throttledUntil: new Date('2026-11-20T02:15:00Z') });
  const g = {
    a1work: await f.group(a1, bot, { kind: 'work', topic: '钦南一小工作群', registeredBy: '张晓红老师' }),
    a1p1: await f.group(a1, bot, { topic: '一年级1班家长群', className: '一年级1班', registeredBy: '李建国老师' }),
    a2p1: await f.group(a2, bot, { topic: '初一2班家长群', className: '初一2班', registeredBy: '王芳老师', status: 'paused' }),
    b1p1: await f.group(b1, bot, { topic: '城东三年级家长群', className: '三年级1班', registeredBy: '陈老师' }),
    d1p1: await f.group(d1, bot, { topic: '高一1班家长群', className: '高一1班', registeredBy: '刘老师', status: 'ambiguous' }),
  };
  const national = await f.source('国家反诈中心', { scope: 'national' });
  const local = await f.source('钦州反诈中心', { scope: 'city' });
  const post = await f.post(national, { title: '警惕刷单返利诈骗', capturedAt: new Date('2026-11-10T01:00:00Z') });
  await f.delivery(post, g.a1work, { members: 50, confirmed: 50, sentAt: new Date('2026-11-10T02:00:00Z') });
  await f.delivery(post, g.a1p1, { members: 40, confirmed: 30, sentAt: new Date('2026-11-10T02:01:00Z') });
  await f.delivery(post, g.a2p1, { status: 'failed', error: 'throttled (1205)', sentAt: new Date('2026-11-10T02:03:00Z') });
  await f.delivery(post, g.b1p1, { members: 30, confirmed: 30, sentAt: new Date('2026-11-10T02:02:00Z') });
  await f.delivery(post, g.d1p1, { status: 'unknown', error: 'timeout after say', sentAt: new Date('2026-11-10T02:04:00Z') });
  const letter = await f.post(local, { title: '致全市中小学生家长的一封信', kind: 'letter', capturedAt: new Date('2026-11-05T01:00:00Z') });
  await f.delivery(letter, g.a1p1, { members: 40, confirmed: 40, sentAt: new Date('2026-11-05T02:00:00Z') });
  await f.delivery(letter, g.b1p1, { members: 30, confirmed: 15, sentAt: new Date('2026-11-05T02:00:00Z') });
  const attest = await f.post(local, { title: '请安装国家反诈中心APP', kind: 'attestation', capturedAt: new Date('2026-11-06T01:00:00Z') });
  await f.delivery(attest, g.a1work, { members: 50, confirmed: 45, sentAt: new Date('2026-11-06T02:00:00Z') });

  const tokens = {
    bureau: (await createToken(prisma, { role: 'bureau', unit: city.name })).secret,
    qinnan: (await createToken(prisma, { role: 'county', unit: qinnan.name })).secret,
    lingshan: (await createToken(prisma, { role: 'county', unit: lingshan.name })).secret,
    a1: (await createToken(prisma, { role: 'school', unit: a1.name })).secret,
    revoked: '',
  };
  const r = await createToken(prisma, { role: 'bureau', unit: city.name });
  await revokeToken(prisma, r.token.id);
  tokens.revoked = r.secret;
  return { f, units: { city, qinnan, lingshan, direct, a1, a2, b1, d1 }, bot, groups: g, post, letter, attest, tokens };
}

export const TEACHER_NAMES = ['张晓红', '李建国', '王芳', '陈老师', '刘老师'];
