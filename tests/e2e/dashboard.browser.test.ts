// The dashboard in real headless Chromium (Debian's `chromium`, driven by playwright-core): sign in,
// open a post, drill down city → county → school → group, download the XLSX and read it back.
// Screenshots go to test-output/.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedClock } from '../../bot/clock.ts';
import { startHttp } from '../../bot/http/server.ts';
import { createLogger } from '../../bot/log.ts';
import { generateReport } from '../../bot/reports/generate.ts';
import { AT, bureauWorld, TEACHER_NAMES } from '../helpers/bureau-world.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = path.resolve('test-output');
let db: TestDb;
let w: Awaited<ReturnType<typeof bureauWorld>>;
let server: { close: () => Promise<void>; address: string };
let browser: BrowserContext;
let page: Page;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'antifraud-chromium-'));

beforeAll(async () => {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH`);
  fs.mkdirSync(OUT, { recursive: true });
  db = await freshDb();
  w = await bureauWorld(db.prisma);
  const clock = fixedClock(AT);
  await generateReport({ db, clock }, 'monthly', '2026-11', w.units.city.id);
  server = await startHttp({ db, clock, log: createLogger({ level: 'silent' }), config: { timeZone: 'Asia/Shanghai' } }, { host: '127.0.0.1', port: 0 });
  // A fresh profile directory each run (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    acceptDownloads: true,
    viewport: { width: 1100, height: 760 },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
  });
  page = browser.pages()[0] ?? (await browser.newPage());
  page.setDefaultTimeout(8000);
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await db?.drop();
  fs.rmSync(profile, { recursive: true, force: true });
});

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
});
