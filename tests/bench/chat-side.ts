// Bench of the chat side (prints numbers; not part of `npm test`):
//   npx tsx tests/bench/chat-side.ts
// Command parsing and URL canonicalisation (pure), post capture with duplicates (real PostgreSQL),
// and commands through Wechaty + the mock puppet end to end.
import { withBenchDatabase } from './_database.ts';
import { performance } from 'node:perf_hooks';
import { parseCommand } from '../../bot/commands/registry.ts';
import { importOrg, parseOrgCsv } from '../../bot/registry/org-import.ts';
import { canonicalUrl } from '../../bot/sources/canonical.ts';
import { capturePost, ensureSource } from '../../bot/sources/capture.ts';
import { chatWorld } from '../helpers/chat-fixture.ts';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const line = (name: string, v: string) => console.log(`${name.padEnd(48)} ${v}`);

function pure(): void {
  const texts = ['#登记 K7QX-M4PA', '＃班级　城东小学　三年级２班', '已阅', '收到 谢谢老师', '#自动转发 开'];
  const n = 200_000;
  let t = performance.now();
  for (let i = 0; i < n; i++) parseCommand(texts[i % texts.length]);
  line('parseCommand', `${Math.round(n / ((performance.now() - t) / 1000)).toLocaleString('en')} msgs/s`);
  const urls = ['https://mp.weixin.qq.com/s?__biz=MzA5&amp;mid=265&amp;idx=2&amp;sn=x&amp;chksm=y#rd', 'https://www.example.org/a/b/?utm_source=x&b=2&a=1'];
  t = performance.now();
  for (let i = 0; i < n; i++) canonicalUrl(urls[i % 2]);
  line('canonicalUrl', `${Math.round(n / ((performance.now() - t) / 1000)).toLocaleString('en')} urls/s`);
}

async function main(): Promise<void> {
  pure();
  await withBenchDatabase('chat', 5, async (base) => {
    const db = base;

    // Capture: 1,000 distinct articles, then the same 1,000 again from a second source.
    const a = await ensureSource(db.prisma, { kind: 'official', scope: 'national', name: '国家反诈中心', key: 'official:国家反诈中心' });
    const b = await ensureSource(db.prisma, { kind: 'feed', scope: 'national', name: 'mirror', key: 'feed:https://m.example/rss' });
    const item = (i: number) => ({ kind: 'article' as const, title: `第${i}篇`, url: `https://mp.weixin.qq.com/s?__biz=MzA5&mid=${1000 + i}&idx=1` });
    for (const [label, src] of [['capturePost, new posts', a], ['capturePost, duplicates (origin only)', b]] as const) {
      const lat: number[] = [];
      const t0 = performance.now();
      for (let i = 0; i < 1000; i++) {
        const t = performance.now();
        await capturePost(db.prisma, src, item(i), new Date());
        lat.push(performance.now() - t);
      }
      line(label, `${Math.round(1000 / ((performance.now() - t0) / 1000))}/s, p50 ${pct(lat, 50).toFixed(2)} ms, p99 ${pct(lat, 99).toFixed(2)} ms`);
    }

    // Commands end to end: Wechaty + mock puppet + pipeline + PostgreSQL.
    const r = await importOrg(db.prisma, parseOrgCsv('county,name,kind,parent\n,市局,city,\n钦南区,钦南区教育局,county,市局\n钦南区,城东小学,school,钦南区教育局\n'));
    const w = await chatWorld({ db: { ...db, name: 'bench', ledgerSecret: 'bench-secret-0123456789abcdef0123', drop: async () => undefined } });
    const work = w.group('城东小学教师工作群', ['张老师']);
    await w.person('张老师').in(work).says(`#登记 ${r.created.find((c) => c.name === '城东小学')!.code}`);
    for (const cmd of ['#状态', '#帮助']) {
      const lat: number[] = [];
      for (let i = 0; i < 200; i++) {
        const t = performance.now();
        await w.person('张老师').in(work).says(cmd);
        lat.push(performance.now() - t);
      }
      line(`${cmd} via mock puppet (200×)`, `p50 ${pct(lat, 50).toFixed(1)} ms, p99 ${pct(lat, 99).toFixed(1)} ms`);
    }
    await w.stop();
  });
}

await main();
process.exit(0);
