// antifraud deliveries <post-code> | --unknown
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { deliveriesOf, unknownDeliveries, type DeliveryRow } from '../relay/report.ts';
import { withDb } from './context.ts';
import { formatTable } from './table.ts';

const STATUS_ZH: Record<string, string> = {
  pending: '待发送', sending: '发送中', sent: '已发送', failed: '失败', unknown: '未知', skipped: '跳过',
};

function time(d: Date | null): string {
  return d ? d.toISOString().replace('T', ' ').slice(0, 19) + 'Z' : '';
}

function table(rows: DeliveryRow[]): string {
  return formatTable(
    ['群', '类型', '单位', '账号', '状态', '次数', '计划', '发送', '人数', '方式', '原因'],
    rows.map((r) => [r.group, r.kind, r.unit, r.account, STATUS_ZH[r.status] ?? r.status, r.attempts, time(r.dueAt), time(r.sentAt), r.membersAtSend ?? '', r.rendering ?? '', r.error ?? '']),
    [5, 8],
  );
}

/** Registers `deliveries`. */
export function registerRelay(program: Command): void {
  program
    .command('deliveries')
    .argument('[post-code]', 'the post\'s short code, e.g. F12')
    .option('--unknown', 'list every send whose outcome is unknown (never resent automatically)')
    .option('--json', 'machine-readable output')
    .description('the delivery log of one post (status per group, attempts, times, member counts, errors)')
    .action(async (code: string | undefined, opts: { unknown?: boolean; json?: boolean }) => {
      await withDb(async ({ db, out }) => {
        if (opts.unknown) {
          const rows = await unknownDeliveries(db.pool);
          if (opts.json) return out(JSON.stringify(rows, null, 2));
          out(rows.length ? table(rows) : t('cli.no_unknown_sends'));
          return;
        }
        if (!code) throw new UserError('relay.cli_code', {}, 'name a post code (e.g. `antifraud deliveries F12`) or use --unknown');
        const log = await deliveriesOf(db.pool, code);
        if (!log) throw new UserError('relay.cli_unknown_code', { code: code.toUpperCase() }, `no post has the code ${code} (codes look like F12)`);
        if (opts.json) return out(JSON.stringify(log, null, 2));
        const count = (s: string) => log.rows.filter((r) => r.status === s).length;
        out(`${code.toUpperCase()}《${log.title}》`);
        out(t('cli.deliveries_counts', { groups: log.rows.length, counts: Object.entries(STATUS_ZH).map(([s, zh]) => `${zh} ${count(s)}`).join(',') }));
        if (log.rows.length) {
          out();
          out(table(log.rows));
        }
      });
    });
}
