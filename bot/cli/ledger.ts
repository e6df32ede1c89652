// antifraud coverage <post-code> [--by county|school|group] [--below 100] [--json]
// antifraud posts [--since DATE] [--json]
import type { Command } from 'commander';
import { DEFAULT_TIME_ZONE, localMidnight, shortTime } from '../core/time.ts';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { MAX_ID } from '../db/ids.ts';
import { formatPct, type CoverageTotals, type PostCoverage, type PostOverview } from '../ledger/coverage.ts';
import { withDb } from './context.ts';
import { formatTable } from './table.ts';

const KIND_ZH: Record<string, string> = { work: '工作群', parent: '家长群' };
const BY_ZH: Record<string, string> = { county: '县区', school: '单位', group: '群' };

/** Members at delivery, with "+N?" for groups whose member count is unknown. */
function membersCell(t: CoverageTotals): string | number {
  return t.groupsUnknownSize ? `${t.members}+${t.groupsUnknownSize}群?` : t.members;
}

/** Lines under a table: groups of unknown size and staff not counted (nothing when there are none). */
export function coverageNotes(t: CoverageTotals): string {
  const notes: string[] = [];
  if (t.groupsUnknownSize) notes.push(`* ${t.groupsUnknownSize} 个群送达时人数未知:不计入应确认和覆盖率,这些群另有 ${t.confirmedUnknownSize} 人确认`);
  if (t.staff) notes.push(`* 家长群中的班主任和学校教职工(共 ${t.staff} 人次)不计入应确认`);
  return notes.length ? `\n${notes.join('\n')}` : '';
}

/** The coverage table: one row per county / unit / group, then the total over the scope. */
export function formatCoverage(c: PostCoverage, timeZone = DEFAULT_TIME_ZONE): string {
  const head = `${c.post.code}《${c.post.title}》 按${BY_ZH[c.by]}统计${c.belowPct !== undefined ? `(仅列出覆盖率低于 ${c.belowPct}% 的)` : ''}`;
  const lead = c.by === 'group' ? ['群', '类型', '单位', '县区'] : c.by === 'school' ? ['单位', '县区'] : ['县区'];
  const headers = [...lead, '群数', '应确认', '已确认', '覆盖率', '首次确认', '最近确认'];
  const cells = (r: PostCoverage['rows'][number]) => {
    const lead = c.by === 'group' ? [r.name, KIND_ZH[r.kind ?? ''] ?? '', r.unitName ?? '', r.county ?? ''] : c.by === 'school' ? [r.name, r.county ?? ''] : [r.name];
    return [...lead, r.groups, membersCell(r), r.confirmed, formatPct(r.pct), shortTime(r.firstAt, timeZone), shortTime(r.lastAt, timeZone)];
  };
  const n = lead.length;
  const total = [`合计`, ...Array(n - 1).fill(''), c.total.groups, membersCell(c.total), c.total.confirmed, formatPct(c.total.pct), shortTime(c.total.firstAt, timeZone), shortTime(c.total.lastAt, timeZone)];
  const rows = c.rows.map(cells);
  const body = rows.length ? formatTable(headers, [...rows, total], [n, n + 1, n + 2, n + 3]) : `${formatTable(headers, [total], [n, n + 1, n + 2, n + 3])}\n(没有低于目标的${BY_ZH[c.by]})`;
  return `${head}\n\n${body}${coverageNotes(c.total)}`;
}

/** The posts table. */
export function formatPosts(rows: PostOverview[], timeZone = DEFAULT_TIME_ZONE): string {
  if (!rows.length) return '(没有推送)';
  return formatTable(
    ['编号', '标题', '采集时间', '已送达群', '待发送', '应确认', '已确认', '覆盖率'],
    rows.map((p) => [p.code, p.title.length > 24 ? `${p.title.slice(0, 23)}…` : p.title, shortTime(p.capturedAt, timeZone), p.groups, p.pending, membersCell(p), p.confirmed, formatPct(p.pct)]),
    [3, 4, 5, 6, 7],
  );
}

// Built on first use: zod takes a noticeable time to load, and `--help` should not wait for it.
// Option errors are shown as they are: Chinese first, like the rest of the CLI's messages.
const coverageOpts = (z: typeof import('zod').z) => z.object({
  by: z.enum(['county', 'school', 'group'], { message: '--by 只能是 county、school 或 group' }).default('county'),
  below: z.coerce.number({ message: '--below 需要一个百分数,例如 100' }).min(0, { message: '--below 须在 0 到 100 之间' }).max(100, { message: '--below 须在 0 到 100 之间' }).optional(),
  county: z.coerce.number({ message: '--county 需要单位编号(见 `antifraud org list`)' }).int().positive().max(MAX_ID, { message: '--county 不是单位编号(见 `antifraud org list`)' }).optional(),
  school: z.coerce.number({ message: '--school 需要单位编号(见 `antifraud org list`)' }).int().positive().max(MAX_ID, { message: '--school 不是单位编号(见 `antifraud org list`)' }).optional(),
  limit: z.coerce.number({ message: '--limit 需要行数,例如 200' }).int({ message: '--limit 须为整数' }).positive({ message: '--limit 至少为 1' }).optional(),
  json: z.boolean().optional(),
});

/** Parses a --since date (YYYY-MM-DD, local midnight in `timeZone`). */
export function parseSince(s: string, timeZone = DEFAULT_TIME_ZONE): Date {
  const at = localMidnight(s, timeZone);
  if (!at) throw new UserError('ledger.bad_date', { value: s }, `--since must be a date such as 2026-03-01 (got "${s}")`);
  return at;
}

/** Registers `coverage` and `posts`. */
export function registerLedger(program: Command): void {
  program
    .command('coverage')
    .argument('<post-code>', t('cli.help.coverage_code'))
    .option('--by <level>', t('cli.help.coverage_by'), 'county')
    .option('--below <pct>', t('cli.help.coverage_below'))
    .option('--county <id>', t('cli.help.coverage_county'))
    .option('--school <id>', t('cli.help.coverage_school'))
    .option('--limit <n>', t('cli.help.coverage_limit'))
    .option('--json', t('cli.help.json'))
    .description(t('cli.help.coverage'))
    .action(async (code: string, raw: Record<string, unknown>) => {
      await withDb(async ({ db, out, config }) => {
        const [{ z }, { coverageByPost }] = await Promise.all([import('zod'), import('../ledger/coverage.ts')]);
        const parsed = coverageOpts(z).safeParse(raw);
        if (!parsed.success) {
          const problems = parsed.error.issues.map((i) => i.message).join('; ');
          throw new UserError('ledger.bad_option', { problems }, problems);
        }
        const o = parsed.data;
        const c = await coverageByPost(db.pool, { postCode: code, by: o.by, scope: { countyId: o.county, schoolId: o.school }, belowPct: o.below, limit: o.limit });
        out(o.json ? JSON.stringify(c, null, 2) : formatCoverage(c, config.timeZone));
      }, { prisma: false });
    });

  program
    .command('posts')
    .option('--since <date>', t('cli.help.posts_since'))
    .option('--json', t('cli.help.json'))
    .description(t('cli.help.posts'))
    .action(async (raw: { since?: string; json?: boolean }) => {
      await withDb(async ({ db, out, config }) => {
        const since = raw.since ? parseSince(raw.since, config.timeZone) : undefined;
        const { postsOverview } = await import('../ledger/coverage.ts');
        const rows = await postsOverview(db.pool, { since });
        out(raw.json ? JSON.stringify(rows, null, 2) : formatPosts(rows, config.timeZone));
      }, { prisma: false });
    });
}
