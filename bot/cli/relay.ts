// antifraud deliveries <post-code> | --unknown
import type { Command } from 'commander';
import { dateTime } from '../core/time.ts';
import { UserError } from '../errors.ts';
import { list, t } from '../i18n.ts';
import type { DeliveryRow } from '../relay/report.ts';
import { withDb } from './context.ts';
import { formatTable } from './table.ts';

const STATUSES = ['pending', 'sending', 'sent', 'failed', 'unknown', 'skipped'];
const statusText = (s: string) => (STATUSES.includes(s) ? t(`cli.statuses.${s}`) : s);

function table(rows: DeliveryRow[], tz: string): string {
  const time = (d: Date | null) => dateTime(d, tz);
  return formatTable(
    list('cli.headers.deliveries'),
    rows.map((r) => [r.group, r.kind, r.unit, r.account, statusText(r.status), r.attempts, time(r.dueAt), time(r.sentAt), r.membersAtSend ?? '', r.rendering ?? '', r.error ?? '']),
    [5, 8],
  );
}

/** Registers `deliveries`. */
export function registerRelay(program: Command): void {
  program
    .command('deliveries')
    .argument('[post-code]', t('cli.help.deliveries_code'))
    .option('--unknown', t('cli.help.deliveries_unknown'))
    .option('--json', t('cli.help.json'))
    .option('--csv <file>', t('cli.help.deliveries_csv'))
    .option('--xlsx <file>', t('cli.help.deliveries_xlsx'))
    .option('--status <list>', t('cli.help.deliveries_status'))
    .description(t('cli.help.deliveries'))
    .addHelpText('after', `\n${t('cli.help.deliveries_after')}`)
    .action(async (code: string | undefined, opts: { unknown?: boolean; json?: boolean; csv?: string; xlsx?: string; status?: string }) => {
      await withDb(async ({ db, out, config }) => {
        if (opts.csv || opts.xlsx) {
          if (!code) throw new UserError('relay.cli_export_code', {}, 'name a post code to export its delivery list (e.g. `antifraud deliveries F12 --xlsx out.xlsx`)');
          await exportList(db.pool, code, opts, config.timeZone);
          return;
        }
        const { deliveriesOf, unknownDeliveries } = await import('../relay/report.ts');
        if (opts.unknown) {
          const rows = await unknownDeliveries(db.pool);
          if (opts.json) return out(JSON.stringify(rows, null, 2));
          out(rows.length ? table(rows, config.timeZone) : t('cli.no_unknown_sends'));
          return;
        }
        if (!code) throw new UserError('relay.cli_code', {}, 'name a post code (e.g. `antifraud deliveries F12`) or use --unknown');
        const log = await deliveriesOf(db.pool, code);
        if (!log) throw new UserError('relay.cli_unknown_code', { code: code.toUpperCase() }, `no post has the code ${code} (codes look like F12)`);
        if (opts.json) return out(JSON.stringify(log, null, 2));
        const count = (s: string) => log.rows.filter((r) => r.status === s).length;
        out(t('cli.deliveries_title', { code: code.toUpperCase(), title: log.title }));
        out(t('cli.deliveries_counts', { groups: log.rows.length, counts: STATUSES.map((s) => `${statusText(s)} ${count(s)}`).join(',') }));
        if (log.rows.length) {
          out();
          out(table(log.rows, config.timeZone));
        }
      }, { prisma: false });
    });
}


async function exportList(pool: import('pg').Pool, code: string, opts: { csv?: string; xlsx?: string; status?: string }, tz: string): Promise<void> {
  const [{ deliveryListFile, deliveryListRows, EXPORT_STATUSES }, fs] = await Promise.all([import('../relay/delivery-export.ts'), import('node:fs')]);
  const statuses = opts.status ? opts.status.split(',').map((s) => s.trim()).filter(Boolean) : [...EXPORT_STATUSES];
  const bad = statuses.filter((s) => !STATUSES.includes(s));
  if (bad.length || !statuses.length) throw new UserError('relay.cli_status', { statuses: STATUSES.join(','), value: opts.status ?? '' }, `--status is a list of ${STATUSES.join(', ')} (got "${opts.status}")`);
  const { rows: posts } = await pool.query<{ id: number; code: string; title: string }>('SELECT id, code, title FROM post WHERE code = $1', [code.trim().toUpperCase()]);
  if (!posts[0]) throw new UserError('relay.cli_unknown_code', { code: code.trim().toUpperCase() }, `no post has the code ${code} (codes look like F12)`);
  const rows = await deliveryListRows(pool, { postId: posts[0].id, statuses });
  for (const [format, file] of [['csv', opts.csv], ['xlsx', opts.xlsx]] as const) {
    if (!file) continue;
    const data = await deliveryListFile(rows, format, { title: `${posts[0].code} ${posts[0].title}`, tz });
    try {
      fs.writeFileSync(file, data);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new UserError('relay.cli_write', { file, reason }, `cannot write ${file}: ${reason}`);
    }
    process.stderr.write(`${t('cli.wrote_rows', { file, rows: rows.length, statuses: statuses.join(', ') })}\n`);
  }
}
