// After reports are generated on schedule: each report's summary document is written under
// DATA_DIR/summaries/<period>/ and, when SMTP is configured, e-mailed with its XLSX (once, retried,
// recorded in report_mail). One unit's failure never stops the others.
import fs from 'node:fs';
import path from 'node:path';
import type { AppContext } from '../app.ts';
import type { ReportData } from './build.ts';
import { reportXlsx } from './export.ts';
import { mailReport } from './mail.ts';
import { t } from '../i18n.ts';
import { summaryDocx, summaryParagraph } from './summary-docx.ts';

/** Writes (and mails) the summaries of these stored reports. */
export async function deliverSummaries(ctx: AppContext, reports: { data: ReportData }[]): Promise<void> {
  const log = ctx.log.child({ name: 'summaries' });
  for (const { data } of reports) {
    try {
      const docx = await summaryDocx(ctx.db.pool, data, { dataDir: ctx.config.dataDir, timeZone: ctx.config.timeZone });
      const file = path.join(ctx.config.dataDir, 'summaries', data.period, `${data.kind}-${data.unit.id}.docx`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, docx);
      if (!ctx.config.mail) continue;
      const title = t('bureau.summary_mail.subject', { unit: data.unit.name, period: data.period, kind: t(`bureau.summary.kind.${data.kind}`) });
      await mailReport({ pool: ctx.db.pool, log: ctx.log }, ctx.config.mail, {
        kind: data.kind, period: data.period, orgUnitId: data.unit.id, subject: title,
        text: t('bureau.summary_mail.text', { paragraph: summaryParagraph(data, undefined, ctx.config.timeZone) }),
        attachments: [
          { filename: `${title}.docx`, content: docx, contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' },
          { filename: `${title}.xlsx`, content: await reportXlsx(data), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
        ],
      });
    } catch (err) {
      log.error({ err, unit: data.unit.id, period: data.period }, 'could not write or send a summary; the report itself is stored');
    }
  }
}
