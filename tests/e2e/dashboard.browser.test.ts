// The dashboard in real headless Chromium (Debian's `chromium`, driven by playwright-core): sign in,
// open a post, drill down city → county → school → group, download the XLSX and read it back; the
// coverage charts (ECharts, read through their instances), the Word summary download and the
// activity photos. Screenshots go to test-output/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../bot/clock.ts';
import { startHttp } from '../../bot/http/server.ts';
import { createLogger } from '../../bot/log.ts';
import { addMedia, createActivity } from '../../bot/reports/activities.ts';
import { generateReport } from '../../bot/reports/generate.ts';
import { AT, bureauWorld, TEACHER_NAMES } from '../helpers/bureau-world.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { mp4, png } from '../helpers/media.ts';
import { strFromU8, unzipSync } from 'fflate';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = path.resolve('test-output');
let db: TestDb;
let w: Awaited<ReturnType<typeof bureauWorld>>;
let server: { close: () => Promise<void>; address: string };
let browser: BrowserContext;
let page: Page;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'antifraud-chromium-'));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'antifraud-dashboard-data-'));

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  fs.mkdirSync(OUT, { recursive: true });
  db = await freshDb();
  w = await bureauWorld(db.prisma);
  const clock = fixedClock(AT);
  await generateReport({ db, clock }, 'monthly', '2026-11', w.units.city.id);
  const at = new Date('2026-11-12T03:00:00Z');
  const act = await createActivity(db.pool, { orgUnitId: w.units.a1.id, groupId: w.groups.a1work.id, caption: '反诈主题班会', senderKey: 'k', at });
  for (const [i, media] of [{ kind: 'image', name: 'a.png', data: png(1) }, { kind: 'image', name: 'b.png', data: png(2) }, { kind: 'video', name: 'c.mp4', data: mp4(3) }].entries()) {
    await addMedia(db.pool, dataDir, { activityId: act, orgUnitId: w.units.a1.id, media: { ...(media as { kind: 'image' | 'video'; name: string; data: Buffer }), at: new Date(at.getTime() + i) }, timeZone: 'Asia/Shanghai' });
  }
  server = await startHttp({ db, clock, log: createLogger({ level: 'silent' }), config: { timeZone: 'Asia/Shanghai', dataDir } }, { host: '127.0.0.1', port: 0 });
  // A fresh profile directory each run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    acceptDownloads: true,
    viewport: { width: 1100, height: 760 },
    locale: 'zh-CN',
    timezoneId: 'Europe/London', // the page must show Qinzhou times anyway (the zone comes from /api/me)
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(8000);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.drop();
  fs.rmSync(profile, { recursive: true, force: true });
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** The options of the ECharts chart in `sel`, as the page's echarts instance holds them. */
function chartOption(sel: string) {
  return page.evaluate((s) => {
    const ec = (window as unknown as { echarts: { getInstanceByDom(el: Element): { getOption(): Record<string, { data?: unknown; name?: string; selected?: Record<string, boolean> }[]> } | undefined } }).echarts;
    const o = ec.getInstanceByDom(document.querySelector(s)!)!.getOption();
    return {
      x: o.xAxis[0].data as unknown[],
      y: o.yAxis[0].data as unknown[] | undefined,
      series: o.series.map((x) => ({ name: x.name, data: (x.data as unknown[]).map((d) => (d && typeof d === 'object' ? (d as { value: unknown }).value : d)) })),
      selected: o.legend?.[0]?.selected,
    };
  }, sel);
}

const shot = (name: string) => page.screenshot({ path: path.join(OUT, `dashboard-${name}.png`), fullPage: true });

describe('dashboard in Chromium', () => {
  it('refuses a wrong token and signs in with a good one', async () => {
    await page.goto(server.address + '/');
    await page.fill('#token', 'af_wrong');
    await page.click('#signin-form button');
    await expect.poll(() => page.textContent('#signin-error')).toContain('令牌无效');
    await page.fill('#token', w.tokens.bureau);
    await page.click('#signin-form button');
    await page.waitForSelector(`tr[data-code="${w.post.code}"]`);
    expect(await page.textContent('#who-name')).toBe('钦州市教育局（市教育局）');
    // Captured 2026-11-10T01:00Z: 09:00 in Qinzhou (01:00 in the browser's London).
    expect(await page.textContent(`tr[data-code="${w.post.code}"]`)).toContain('2026/11/10 09:00:00');
    expect(await page.evaluate(() => sessionStorage.getItem('antifraud.token'))).toBe(w.tokens.bureau);
    await shot('posts');
  });

  it('opens a post and drills down to a group', async () => {
    await page.click(`tr[data-code="${w.post.code}"] a`);
    await page.waitForSelector('table.coverage tr[data-name="钦南区教育局"]');
    expect(await page.getAttribute('table.coverage tr[data-name="钦南区教育局"]', 'class')).toContain('below');
    expect(await page.textContent('table.deliveries')).toContain('初一2班家长群');
    expect(await page.textContent('table.deliveries')).toContain('高一1班家长群');
    await shot('post-city');
    await page.click('table.coverage tr[data-name="钦南区教育局"] a');
    await page.waitForSelector('table.coverage tr[data-name="钦南区第一小学"]');
    await page.click('table.coverage tr[data-name="钦南区第一小学"] a');
    await page.waitForSelector('table.coverage tr[data-name="一年级1班家长群"]');
    const text = await page.textContent('main');
    expect(text).toContain('75%');
    for (const n of TEACHER_NAMES) expect(text).not.toContain(n);
    await shot('post-groups');
  });

  it('downloads the XLSX of the group level', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#dl-xlsx')]);
    expect(download.suggestedFilename()).toBe(`coverage-${w.post.code}-group.xlsx`);
    const file = path.join(OUT, download.suggestedFilename());
    await download.saveAs(file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const rows = (wb.getWorksheet('覆盖率')!.getSheetValues() as unknown[][]).filter(Boolean).map((r) => r.slice(1));
    expect(rows).toEqual([
      ['群', '班级', '所属单位', '送达人数', '已确认', '覆盖率(%)', '未达标', '人数未知的送达', '其中已确认', '不计的班主任和教职工(人次)'],
      ['一年级1班家长群', '一年级1班', '钦南区第一小学', 40, 30, 75, '是', 0, 0, 0],
      ['钦南一小工作群', '', '钦南区第一小学', 50, 50, 100, '', 0, 0, 0],
      ['合计', '', '', 90, 80, 88.9, '', 0, 0, 0],
    ]);
  });

  it('shows the bot account waiting for a scan with its QR code, and the reports', async () => {
    await page.click('#nav a[data-view="accounts"]');
    await page.waitForSelector('.account[data-name="relay-1"] .qr svg');
    expect(await page.textContent('.account[data-name="relay-1"]')).toContain('等待扫码');
    await shot('accounts');
    await page.click('#nav a[data-view="reports"]');
    await page.waitForSelector('.view[data-view="reports"] tr[data-id]');
    expect(await page.textContent('.view[data-view="reports"]')).toContain('2026-11');
  });

  it('draws coverage over time for the city and its counties, and per-county bars (ECharts)', async () => {
    await page.click('#nav a[data-view="trends"]');
    await page.waitForSelector('#chart-line canvas');
    await page.waitForSelector('#chart-bars canvas');
    const line = await chartOption('#chart-line');
    expect(line.x).toEqual(['11-05', '11-06', '11-10']);
    // The letter (11-05): 40/40 + 30/15; the attestation (11-06): 50/45; the post (11-10): 50/50 + 40/30 + 30/30.
    expect(line.series).toEqual([
      { name: '全市合计', data: [78.6, 90, 91.7] },
      { name: '灵山县教育局', data: [50, null, 100] },
      { name: '钦南区教育局', data: [100, 90, 88.9] },
    ]);
    expect(line.selected).toEqual({ 灵山县教育局: true, 钦南区教育局: true });
    const bars = await chartOption('#chart-bars');
    expect(bars.y).toEqual(['灵山县教育局', '钦南区教育局']);
    expect(bars.series).toEqual([{ name: '覆盖率', data: [75, 91.7] }]);
    // Drawn, not just configured: the canvas has pixels of the line's colour and the bars' red.
    const painted = await page.evaluate(() => {
      const c = document.querySelector('#chart-bars canvas') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let red = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] === 0xc8 && d[i + 1] === 0x32 && d[i + 2] === 0x2c) red++;
      return red;
    });
    expect(painted).toBeGreaterThan(100);
    expect(await page.textContent('table.trend-units')).toContain('75%');
    await shot('trends');
    await page.click('table.trend-units tr[data-name="灵山县教育局"] a');
    await page.waitForFunction(() => document.querySelector('.view[data-view="trends"] h2')?.textContent?.startsWith('灵山县教育局'));
    await page.waitForSelector('#chart-line canvas');
    expect((await chartOption('#chart-line')).series).toEqual([
      { name: '灵山县教育局合计', data: [50, 100] },
      { name: '灵山县城东小学', data: [50, 100] },
    ]);
    await page.selectOption('select[name="by"]', 'post');
    await page.click('.view[data-view="trends"] form button[type="submit"]');
    await expect.poll(async () => (await chartOption('#chart-line')).x).toEqual([w.letter.code, w.post.code]);
  });

  it('downloads the Word summary of a report and shows the activity photos', async () => {
    await page.click('#nav a[data-view="reports"]');
    await page.waitForSelector('.view[data-view="reports"] button[data-docx]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.view[data-view="reports"] button[data-docx]')]);
    expect(download.suggestedFilename()).toBe(`summary-monthly-2026-11-${w.units.city.id}.docx`);
    const file = path.join(OUT, download.suggestedFilename());
    await download.saveAs(file);
    const xml = strFromU8(unzipSync(new Uint8Array(fs.readFileSync(file)))['word/document.xml']);
    const text = [...xml.matchAll(/<w:t(?: [^>]*)?>([^<]*)<\/w:t>/g)].map((m) => m[1]).join('');
    expect(text).toContain('钦州市教育局2026年11月反电信网络诈骗宣传工作小结');
    expect(text).toContain('反诈主题班会');

    await page.click('#nav a[data-view="activities"]');
    await page.waitForSelector('.activity img.thumb[src^="blob:"]');
    await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('.activity img.thumb')).filter((i) => i.complete && i.naturalWidth === 8).length === 2);
    const act = await page.textContent('.activity');
    expect(act).toContain('反诈主题班会');
    expect(act).toContain('钦南区第一小学');
    expect(act).toContain('照片 2 张、视频 1 个');
    const [video] = await Promise.all([page.waitForEvent('download'), page.click('.activity button')]);
    expect(video.suggestedFilename()).toMatch(/\.mp4$/);
    await shot('activities');
  });

  it('pages through the registered groups by cursor and searches them', async () => {
    // 60 more groups in one school: 65 in all, two pages of 50.
    await db.pool.query(
      `INSERT INTO chat_group (kind, org_unit_id, bot_account_id, topic, class_name, registered_by, owner_key, member_count, status)
       SELECT 'parent', $1, $2, '城东' || lpad(i::text, 2, '0') || '班家长群', i || '班', '老师', md5('page-' || i), 40, 'active' FROM generate_series(1, 60) i`,
      [w.units.b1.id, w.bot.id],
    );
    const view = '.view[data-view="groups"]';
    const pagerText = () => page.textContent(`${view} .pager span`);
    await page.goto(`${server.address}/#/groups`);
    await page.waitForSelector(`${view} table.groups tbody tr`);
    expect(await pagerText()).toBe('第 1–50 条，共 65 条');
    const firstPage = await page.$$eval(`${view} tbody tr td:first-child`, (tds) => tds.map((td) => td.textContent));
    expect(firstPage).toHaveLength(50);
    expect(await page.isDisabled(`${view} .pager button:has-text("上一页")`)).toBe(true);
    await page.click(`${view} .pager button:has-text("下一页")`);
    await expect.poll(pagerText).toBe('第 51–65 条，共 65 条');
    const secondPage = await page.$$eval(`${view} tbody tr td:first-child`, (tds) => tds.map((td) => td.textContent));
    expect(secondPage).toHaveLength(15);
    expect(secondPage.filter((t) => firstPage.includes(t))).toEqual([]);
    expect(await page.isDisabled(`${view} .pager button:has-text("下一页")`)).toBe(true);
    await shot('groups-page-2');
    await page.click(`${view} .pager button:has-text("上一页")`);
    await expect.poll(pagerText).toBe('第 1–50 条，共 65 条');
    expect(await page.$$eval(`${view} tbody tr td:first-child`, (tds) => tds.map((td) => td.textContent))).toEqual(firstPage);
    // Search: two characters of a topic.
    await page.fill(`${view} input[name="q"]`, '三年');
    await page.click(`${view} form.search button`);
    await expect.poll(pagerText).toBe('第 1–1 条，共 1 条');
    expect(await page.textContent(`${view} tbody`)).toContain('城东三年级家长群');
    await page.goto(`${server.address}/#/posts`); // the next test signs in afresh: not into this search
    await page.waitForSelector('table.posts');
  });

  it('lets a school sign in, see only its groups with their registrants, and enter its figures', async () => {
    await page.click('#signout');
    await page.waitForSelector('#signin-form');
    expect(await page.evaluate(() => sessionStorage.getItem('antifraud.token'))).toBeNull();
    await page.fill('#token', w.tokens.a1);
    await page.click('#signin-form button');
    await page.waitForSelector('#main .view');
    expect(await page.textContent('#who-name')).toBe('钦南区第一小学（学校）');
    expect(await page.isHidden('#nav a[data-view="accounts"]')).toBe(true);
    await page.click('#nav a[data-view="groups"]');
    await page.waitForSelector('.view[data-view="groups"] tbody tr');
    const groups = await page.textContent('.view[data-view="groups"] tbody');
    expect(groups).toContain('李建国老师');
    expect(groups).not.toContain('灵山');
    await page.click('#nav a[data-view="figures"]');
    await page.waitForSelector('.view[data-view="figures"] form');
    await page.fill('input[name="period"]', '十一月');
    await page.fill('input[name="cases"]', '2');
    await page.fill('input[name="lossesYuan"]', '15800.50');
    await page.click('.view[data-view="figures"] button[type="submit"]');
    await expect.poll(() => page.textContent('.view[data-view="figures"] .status')).toContain('period must look like 2026-11');
    await page.fill('input[name="period"]', '2026-11');
    await page.click('.view[data-view="figures"] button[type="submit"]');
    await expect.poll(async () => (await page.textContent('.view[data-view="figures"] tbody')) ?? '').toContain('15800.50');
    await shot('figures');
  });

  it('fits a phone screen', async () => {
    await page.setViewportSize({ width: 390, height: 800 });
    await page.goto(`${server.address}/#/post/${w.post.code}`);
    await page.waitForSelector('table.coverage');
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await shot('phone');
  });

  it("pages a post's failed sends by cursor when there are more than 100", async () => {
    // 110 more groups of the signed-in school, the post failed in each.
    await db.pool.query(
      `WITH g AS (
         INSERT INTO chat_group (kind, org_unit_id, bot_account_id, topic, class_name, registered_by, owner_key, member_count, status)
         SELECT 'parent', $1, $2, '失败' || lpad(i::text, 3, '0') || '班家长群', i || '班', '老师', md5('fail-' || i), 40, 'active' FROM generate_series(1, 110) i
         RETURNING id)
       INSERT INTO delivery (post_id, group_id, bot_account_id, status, due_at, error)
       SELECT $3, g.id, $2, 'failed', now(), 'throttled (1205)' FROM g`,
      [w.units.a1.id, w.bot.id, w.post.id],
    );
    await page.setViewportSize({ width: 1100, height: 760 });
    await page.goto(`${server.address}/#/post/${w.post.code}`);
    await page.reload(); // the phone test left the page on this address: draw it afresh
    await page.waitForSelector('table.deliveries tbody tr');
    const card = 'section.card:has(table.deliveries)';
    expect(await page.textContent(`${card} h3`)).toBe('发送失败或结果不明（110）');
    expect(await page.$$eval('table.deliveries tbody tr', (trs) => trs.length)).toBe(100);
    expect(await page.textContent(`${card} .pager span`)).toBe('第 1–100 条，共 110 条');
    await page.click(`${card} .pager button:has-text("下一页")`);
    await expect.poll(() => page.textContent(`${card} .pager span`)).toBe('第 101–110 条，共 110 条');
    const rest = await page.$$eval('table.deliveries tbody tr td:nth-child(2)', (tds) => tds.map((td) => td.textContent));
    expect(rest).toEqual(Array.from({ length: 10 }, (_, i) => `失败${String(101 + i).padStart(3, '0')}班家长群`));
    expect(await page.isVisible('table.coverage')).toBe(true); // the coverage above stays
    await page.click(`${card} .pager button:has-text("首页")`);
    await expect.poll(() => page.textContent(`${card} .pager span`)).toBe('第 1–100 条，共 110 条');
  });
});
