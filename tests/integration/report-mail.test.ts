// The summary e-mail against a local SMTP server (smtp-server), never a real one: sent once with
// the .docx and .xlsx attached, retried after a temporary refusal, recorded, and not sent twice.
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobContext } from '../../bot/core/scheduler.ts';
import { fixedClock } from '../../bot/clock.ts';
import { ScheduleSlot } from '../../bot/core/scheduler.ts';
import { reportJob } from '../../bot/reports/jobs.ts';
import { mailReport, type MailReportInput } from '../../bot/reports/mail.ts';
import { bureauWorld } from '../helpers/bureau-world.ts';
import { freshDb, type TestDb } from '../helpers/db.ts';
import { captureLog } from '../helpers/log.ts';

let db: TestDb;
let w: Awaited<ReturnType<typeof bureauWorld>>;
let server: SMTPServer;
let url: string;
const received: { from: string; to: string[]; raw: string }[] = [];
let refuseNext = 0;
const logs = captureLog('info');

beforeAll(async () => {
  db = await freshDb();
  w = await bureauWorld(db.prisma);
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onMailFrom(_address, _session, cb) {
      if (refuseNext > 0) {
        refuseNext--;
        return cb(Object.assign(new Error('4.3.2 try again later'), { responseCode: 451 }));
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        received.push({ from: String(session.envelope.mailFrom && session.envelope.mailFrom.address), to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await db.drop();
});

const input = (unit: { id: number }): MailReportInput => ({
  kind: 'monthly', period: '2026-11', orgUnitId: unit.id,
  subject: '钦南区教育局2026年11月反诈工作情况小结',
  text: '附件为本单位2026年11月反诈工作情况小结(含照片)和报表。',
  attachments: [
    { filename: '钦南区教育局-2026-11-工作小结.docx', content: Buffer.from('PK\u0003\u0004docx'), contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
    { filename: 'report-monthly-2026-11.xlsx', content: Buffer.from('PK\u0003\u0004xlsx'), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  ],
});
const mail = () => ({ url, from: 'antifraud@bureau.example', to: ['anquan@bureau.example', 'keyuan@bureau.example'] });
const noWait = { pool: () => db.pool, sleep: async () => undefined };
const decodeWords = (s: string) => s.replace(/=\?UTF-8\?B\?([^?]+)\?=\s*/gi, (_m, b64: string) => Buffer.from(b64, 'base64').toString('utf8'));
const subjectOf = (raw: string) => decodeWords(/^Subject: (.*(?:\r\n .*)*)/m.exec(raw)![1].replace(/\r\n /g, ''));
/** The text/plain part of a raw message (quoted-printable or base64), decoded. */
function textOf(raw: string): string {
  const m = /Content-Type: text\/plain[^\r\n]*\r\nContent-Transfer-Encoding: ([\w-]+)\r\n(?:[^\r\n]+\r\n)*\r\n([\s\S]*?)\r\n(?:--|$)/.exec(raw);
  if (!m) throw new Error(`no text/plain part in ${raw.slice(0, 500)}`);
  if (m[1].toLowerCase() === 'base64') return Buffer.from(m[2].replace(/\s+/g, ''), 'base64').toString('utf8');
  const bytes = m[2].replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16)));
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

describe('e-mailing the summary', () => {
  it('retries after a temporary refusal, then sends once with both files, and records it', async () => {
    refuseNext = 1;
    const r = await mailReport({ pool: noWait.pool(), log: logs.log, sleep: noWait.sleep }, mail(), input(w.units.qinnan), { retryMs: 1 });
    expect(r).toMatchObject({ status: 'sent', attempts: 2 });
    expect(received).toHaveLength(1);
    expect(received[0].to).toEqual(['anquan@bureau.example', 'keyuan@bureau.example']);
    const raw = received[0].raw;
    expect(subjectOf(raw)).toBe('钦南区教育局2026年11月反诈工作情况小结');
    expect(raw).toContain('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(raw).toContain('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(raw).toContain(Buffer.from('PK\u0003\u0004docx').toString('base64'));
    const row = await db.prisma.reportMail.findFirstOrThrow({ where: { orgUnitId: w.units.qinnan.id } });
    expect(row).toMatchObject({ status: 'sent', attempts: 2, error: null, recipients: 'anquan@bureau.example, keyuan@bureau.example' });
    expect(row.messageId).toBeTruthy();
    expect(logs.messages()).toContain('e-mail failed; retrying');
  });

  it('never sends a report twice (a second process, a catch-up), unless forced', async () => {
    expect((await mailReport({ pool: db.pool, log: logs.log, sleep: noWait.sleep }, mail(), input(w.units.qinnan))).status).toBe('already');
    expect(received).toHaveLength(1);
    const again = await mailReport({ pool: db.pool, log: logs.log, sleep: noWait.sleep }, mail(), input(w.units.qinnan), { force: true });
    expect(again.status).toBe('sent');
    expect(received).toHaveLength(2);
  });

  it('gives up after the attempts, records the error, and the next run sends it', async () => {
    refuseNext = 3;
    const r = await mailReport({ pool: db.pool, log: logs.log, sleep: noWait.sleep }, mail(), input(w.units.lingshan), { attempts: 3, retryMs: 1 });
    expect(r).toMatchObject({ status: 'failed', attempts: 3 });
    expect(r.error).toContain('try again later');
    const failed = await db.prisma.reportMail.findFirstOrThrow({ where: { orgUnitId: w.units.lingshan.id } });
    expect(failed).toMatchObject({ status: 'failed', attempts: 3 });
    const later = await mailReport({ pool: db.pool, log: logs.log, sleep: noWait.sleep }, mail(), input(w.units.lingshan));
    expect(later.status).toBe('sent');
    expect(await db.prisma.reportMail.findFirstOrThrow({ where: { orgUnitId: w.units.lingshan.id } })).toMatchObject({ status: 'sent', attempts: 4 });
  });

  it('records a server that is not there as a failure, with the reason', async () => {
    const r = await mailReport({ pool: db.pool, log: logs.log, sleep: noWait.sleep }, { ...mail(), url: 'smtp://127.0.0.1:9' }, input(w.units.direct), { attempts: 2, retryMs: 1 });
    expect(r.status).toBe('failed');
    expect(r.error).toMatch(/ECONNREFUSED|connect/);
  });

  it('goes out with the reports on their schedule: one summary document per unit, written and e-mailed once', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'summaries-'));
    const clock = fixedClock('2026-11-23T00:00:00Z');
    const ctx = { db, clock, log: logs.log, config: { timeZone: 'Asia/Shanghai', dataDir, mail: mail() }, ledgerSecret: 'x' } as unknown as JobContext;
    const before = received.length;
    const slot = new ScheduleSlot(clock.now(), clock.now().toISOString(), false);
    await reportJob('monthly').run(ctx, slot);
    const files = fs.readdirSync(path.join(dataDir, 'summaries', '2026-11')).sort();
    expect(files.length).toBe(4); // the city, two county bureaus and the city-direct school
    for (const f of files) expect(fs.readFileSync(path.join(dataDir, 'summaries', '2026-11', f)).subarray(0, 2).toString()).toBe('PK');
    // 钦南区教育局 and 灵山县教育局 were e-mailed in the tests above (same kind and period): not again.
    expect(received.length - before).toBe(2);
    // Subject, text and file names from bureau.yml (bureau.summary_mail): the figures paragraph without the
    // activity sentence, then the attachments line.
    const sent = received.slice(before).map((m) => ({ subject: subjectOf(m.raw), text: textOf(m.raw) }));
    expect(sent.map((m) => m.subject).sort()).toEqual(['钦州市教育局2026-11反诈工作情况小结', '钦州市高级中学2026-11反诈工作情况小结'].sort());
    for (const m of sent) {
      expect(m.text).toMatch(/^2026年10月23日至2026年11月22日，\S+通过反诈宣传转发助手共转发反诈宣传内容 \d+ 篇/);
      expect(m.text).toContain('元。\n\n附件:工作小结(Word,含活动照片)和报表(Excel)。本邮件由反诈宣传转发助手自动发送。');
      expect(m.text).not.toContain('活动照片或视频');
    }
    await reportJob('monthly').run(ctx, slot);
    expect(received.length - before).toBe(2);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }, 120_000);
});
