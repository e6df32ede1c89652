// The README's pictures, made once by hand (not part of `npm test`):
//   npx tsx tests/helpers/readme-pictures.ts
// builds a sample city (5 county-level units × 3 schools × 4 groups, a post every day of November
// with confirmations that rise as the month goes on, one unit lagging) in a private embedded
// PostgreSQL, then
//   - docs/dashboard-trends.png: the dashboard's 趋势 view in headless Chromium (Debian's chromium);
//   - docs/summary-docx-page1.png: page 1 of a county's monthly summary (.docx, kept beside it as
//     docs/summary-sample.docx) rendered by LibreOffice headless (`soffice`, Debian package
//     libreoffice-writer-nogui) to PDF and by pdftoppm (poppler-utils) to PNG; skipped when missing.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { chromium } from 'playwright-core';
import { fixedClock } from '../../bot/clock.ts';
import { startHttp } from '../../bot/http/server.ts';
import { createToken } from '../../bot/http/tokens.ts';
import { silentLogger } from '../../bot/log.ts';
import { addMedia, createActivity } from '../../bot/reports/activities.ts';
import { generateReport } from '../../bot/reports/generate.ts';
import { summaryDocx } from '../../bot/reports/summary-docx.ts';
import { withBenchDatabase } from '../bench/_database.ts';

const DOCS = path.resolve('docs');
const TZ = 'Asia/Shanghai';
const COUNTIES = ['钦南区教育局', '钦北区教育局', '灵山县教育局', '浦北县教育局', '钦州港区教育局'];

/** A W×H PNG of soft diagonal stripes (a stand-in for an activity photo). */
function photo(seed: number, w = 480, h = 320): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = ~0;
    for (const x of b) c = crcTable[(c ^ x) & 0xff] ^ (c >>> 8);
    return (~c) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    td.copy(out, 4);
    out.writeUInt32BE(crc(td), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const t = ((x + y + seed * 37) % 120) / 120;
      const o = y * (w * 3 + 1) + 1 + x * 3;
      raw[o] = 120 + Math.round(100 * t);
      raw[o + 1] = 150 + (seed * 23) % 80;
      raw[o + 2] = 220 - Math.round(90 * t);
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

await withBenchDatabase('readme', 4, async (db) => {
  const q = (sql: string, params: unknown[] = []) => db.pool.query(sql, params);
  await q(`INSERT INTO org_unit (id, name, kind) VALUES (1, '钦州市教育局', 'city')`);
  for (const [i, name] of COUNTIES.entries()) await q(`INSERT INTO org_unit (id, name, kind, parent_id, county_id) VALUES ($1, $2, 'county', 1, $1)`, [2 + i, name]);
  await q(`INSERT INTO org_unit (id, name, kind, parent_id, county_id)
           SELECT 100 + c * 10 + s, replace(o.name, '教育局', '') || '第' || s || '小学', 'school', o.id, o.id
             FROM generate_series(0, 4) c JOIN org_unit o ON o.id = 2 + c, generate_series(1, 3) s`);
  await q(`SELECT setval(pg_get_serial_sequence('org_unit', 'id'), 1000)`);
  await q(`INSERT INTO bot_account (id, name, puppet) VALUES (1, 'relay-1', 'mock')`);
  await q(`INSERT INTO chat_group (kind, org_unit_id, bot_account_id, topic, class_name, registered_by, owner_key, member_count)
           SELECT 'parent', u.id, 1, u.name || g || '班家长群', g || '班', '老师', md5(u.id || '-' || g), 45 FROM org_unit u, generate_series(1, 4) g WHERE u.kind = 'school'`);
  await q(`INSERT INTO source (id, kind, scope, name, key) VALUES (1, 'official', 'national', '国家反诈中心', 'official:国家反诈中心')`);
  await q(`INSERT INTO post (source_id, kind, title, canonical_key, captured_at)
           SELECT 1, 'article', '反诈宣传第' || d || '期', 'readme:' || d, timestamptz '2026-11-01 01:00Z' + (d - 1) * interval '1 day' FROM generate_series(1, 21) d`);
  // Confirmations rise through the month; 灵山县 (county 4) lags, 钦州港区 starts late.
  await q(`INSERT INTO delivery (post_id, group_id, bot_account_id, status, due_at, sent_at, members_at_send, staff_at_send, confirmed)
           SELECT p.id, g.id, 1, 'sent', p.captured_at, p.captured_at, 40, 2,
                  least(40, greatest(0, round(40 * (CASE u.county_id WHEN 4 THEN 0.45 + 0.015 * d.n WHEN 6 THEN 0.2 + 0.04 * d.n ELSE 0.7 + 0.014 * d.n END
                                                 + ((g.id * 7 + p.id * 3) % 9 - 4) / 100.0))))::int
             FROM post p CROSS JOIN LATERAL (SELECT extract(day FROM p.captured_at AT TIME ZONE 'Asia/Shanghai')::int AS n) d,
                  chat_group g JOIN org_unit u ON u.id = g.org_unit_id`);
  await q('ANALYZE');
  const clock = fixedClock('2026-11-23T00:00:00Z');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-pictures-'));
  const group = (await q(`SELECT id FROM chat_group WHERE org_unit_id = 101 ORDER BY id LIMIT 1`)).rows[0].id;
  for (const [i, caption] of ['“反诈进课堂”主题班会', '家长会反诈知识宣讲'].entries()) {
    const at = new Date(Date.UTC(2026, 10, 6 + i * 7, 3));
    const a = await createActivity(db.pool, { orgUnitId: 101, groupId: group, caption, senderKey: 'k', at });
    for (let k = 0; k < 2; k++) {
      await addMedia(db.pool, dataDir, { activityId: a, orgUnitId: 101, media: { kind: 'image', name: `${i}${k}.png`, data: photo(i * 2 + k), at: new Date(at.getTime() + k) }, timeZone: TZ });
    }
  }
  await q(`INSERT INTO unit_figures (org_unit_id, period, cases, losses_yuan, entered_by, at) VALUES (2, '2026-11', 3, 12800, 'api:1', now())`);
  fs.mkdirSync(DOCS, { recursive: true });

  // The summary document of 钦南区, page 1 through LibreOffice.
  const report = await generateReport({ db, clock }, 'monthly', '2026-11', 2);
  const docx = path.join(dataDir, 'summary.docx');
  fs.writeFileSync(docx, await summaryDocx(db.pool, report.data, { dataDir, timeZone: TZ }));
  try {
    // Writer without its GUI has no PNG export: PDF, then page 1 to PNG with poppler's pdftoppm.
    execFileSync('soffice', ['--headless', '--convert-to', 'pdf', '--outdir', dataDir, docx], { stdio: 'pipe', timeout: 300_000 });
    execFileSync('pdftoppm', ['-png', '-r', '80', '-f', '1', '-l', '1', '-singlefile', path.join(dataDir, 'summary.pdf'), path.join(DOCS, 'summary-docx-page1')], { stdio: 'pipe' });
    fs.copyFileSync(docx, path.join(DOCS, 'summary-sample.docx'));
    console.log('wrote docs/summary-docx-page1.png and docs/summary-sample.docx');
  } catch (err) {
    console.log(`LibreOffice could not render the summary (${(err as Error).message.split('\n')[0]}); install libreoffice-writer-nogui and poppler-utils`);
  }

  // The dashboard's trends view.
  const token = (await createToken(db.prisma, { role: 'bureau', unit: '1' })).secret;
  const server = await startHttp({ db, clock, log: silentLogger(), config: { timeZone: TZ, dataDir } }, { host: '127.0.0.1', port: 0 });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'readme-chromium-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'],
    viewport: { width: 1100, height: 760 },
    locale: 'zh-CN',
  });
  try {
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`${server.address}/`);
    await page.fill('#token', token);
    await page.click('#signin-form button');
    await page.waitForSelector('#main .view');
    await page.goto(`${server.address}/#/trends?from=2026-11-01&to=2026-11-22`);
    await page.waitForSelector('#chart-bars canvas');
    await page.screenshot({ path: path.join(DOCS, 'dashboard-trends.png'), fullPage: true });
    console.log('wrote docs/dashboard-trends.png');
  } finally {
    await browser.close();
    await server.close();
    fs.rmSync(profile, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
