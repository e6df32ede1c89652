// Optional e-mail of the summaries: with SMTP_URL, SMTP_FROM and REPORT_MAIL_TO set, each generated
// report's summary document (and its XLSX) is e-mailed once to the recipients, retried with backoff
// on failure, and every attempt recorded in `report_mail` (one row per report; `sent` is final).
import type pg from 'pg';
import type { Logger } from '../log.ts';

export interface MailConfig {
  /** smtp://user:pass@host:587 or smtps://…:465 */
  url: string;
  from: string;
  to: string[];
}

export interface MailAttachment {
  filename: string;
  content: Buffer;
  contentType: string;
}

export interface MailReportInput {
  kind: string;
  period: string;
  orgUnitId: number;
  subject: string;
  text: string;
  attachments: MailAttachment[];
}

export interface MailOutcome {
  status: 'sent' | 'failed' | 'already';
  attempts: number;
  error?: string;
  messageId?: string;
}

/**
 * Sends one report's mail unless it was sent already (or another process is sending it). Tries
 * `attempts` times with a doubling pause; records the outcome. `force` sends again even if sent.
 */
export async function mailReport(
  deps: { pool: pg.Pool; log: Logger; sleep?: (ms: number) => Promise<void> },
  mail: MailConfig,
  r: MailReportInput,
  opts: { attempts?: number; retryMs?: number; force?: boolean } = {},
): Promise<MailOutcome> {
  const log = deps.log.child({ name: 'mail', kind: r.kind, period: r.period, unit: r.orgUnitId });
  const recipients = mail.to.join(', ');
  const claimable = opts.force ? 'true' : `report_mail.status = 'failed'`;
  const { rows } = await deps.pool.query<{ id: number; attempts: number }>(
    `INSERT INTO report_mail (kind, period, org_unit_id, recipients, status) VALUES ($1::"ReportKind", $2, $3, $4, 'sending')
     ON CONFLICT (kind, period, org_unit_id) DO UPDATE SET status = 'sending', recipients = EXCLUDED.recipients, error = NULL
       WHERE ${claimable}
     RETURNING id, attempts`,
    [r.kind, r.period, r.orgUnitId, recipients],
  );
  if (!rows[0]) return { status: 'already', attempts: 0 };
  const id = rows[0].id;
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(mail.url, { from: mail.from });
  const max = Math.max(1, opts.attempts ?? 3);
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((res) => setTimeout(res, ms)));
  let error = '';
  try {
    for (let i = 0; i < max; i++) {
      try {
        const info = await transport.sendMail({ from: mail.from, to: mail.to, subject: r.subject, text: r.text, attachments: r.attachments });
        await deps.pool.query(`UPDATE report_mail SET status = 'sent', attempts = attempts + 1, message_id = $2, sent_at = now(), error = NULL WHERE id = $1`, [id, info.messageId]);
        log.info({ to: recipients, attempt: i + 1, messageId: info.messageId }, 'summary e-mailed');
        return { status: 'sent', attempts: i + 1, messageId: info.messageId };
      } catch (err) {
        error = (err as Error).message;
        await deps.pool.query('UPDATE report_mail SET attempts = attempts + 1, error = $2 WHERE id = $1', [id, error]);
        log.warn({ to: recipients, attempt: i + 1, err: error }, i + 1 < max ? 'e-mail failed; retrying' : 'e-mail failed; giving up for now');
        if (i + 1 < max) await sleep((opts.retryMs ?? 30_000) * 2 ** i);
      }
    }
    await deps.pool.query(`UPDATE report_mail SET status = 'failed' WHERE id = $1`, [id]);
    return { status: 'failed', attempts: max, error };
  } finally {
    transport.close();
  }
}
