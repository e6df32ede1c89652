// antifraud coverage <post-code> [--by county|school|group] [--below 100] [--json]
// antifraud posts [--since DATE] [--json]
import type { Command } from 'commander';
import { DEFAULT_TIME_ZONE, localMidnight, shortTime } from '../core/time.ts';
import { UserError } from '../errors.ts';
import { list, t } from '../i18n.ts';
import { MAX_ID } from '../db/ids.ts';
import { formatPct, type CoverageTotals, type PostCoverage, type PostOverview } from '../ledger/coverage.ts';
import { withDb } from './context.ts';
import { formatTable } from './table.ts';

const kindText = (kind: string | null) => (kind === 'work' || kind === 'parent' ? t(`cli.group_kinds.${kind}`) : '');
const byText = (by: string) => t(`cli.by.${by}`);

/** Members at delivery, with "+N?" for groups whose member count is unknown. */
function membersCell(x: CoverageTotals): string | number {
  return x.groupsUnknownSize ? t('cli.members_unknown', { members: x.members, groups: x.groupsUnknownSize }) : x.members;
}

/** Lines under a table: groups of unknown size and staff not counted (nothing when there are none). */
export function coverageNotes(x: CoverageTotals): string {
  const notes: string[] = [];
  if (x.groupsUnknownSize) notes.push(t('cli.note_unknown', { groups: x.groupsUnknownSize, confirmed: x.confirmedUnknownSize }));
  if (x.staff) notes.push(t('cli.note_staff', { staff: x.staff }));
  return notes.length ? `\n${notes.join('\n')}` : '';
}

/** The coverage table: one row per county / unit / group, then the total over the scope. */
export function formatCoverage(c: PostCoverage, timeZone = DEFAULT_TIME_ZONE): string {
  const below = c.belowPct !== undefined ? t('cli.coverage_below', { pct: c.belowPct }) : '';
  const head = t('cli.coverage_head', { code: c.post.code, title: c.post.title, by: byText(c.by), below });
  const lead = list(`cli.headers.coverage_${c.by}`);
  const headers = [...lead, ...list('cli.headers.coverage_measures')];
  const cells = (r: PostCoverage['rows'][number]) => {
    const lead = c.by === 'group' ? [r.name, kindText(r.kind), r.unitName ?? '', r.county ?? ''] : c.by === 'school' ? [r.name, r.county ?? ''] : [r.name];
    return [...lead, r.groups, membersCell(r), r.confirmed, formatPct(r.pct), shortTime(r.firstAt, timeZone), shortTime(r.lastAt, timeZone)];
  };
  const n = lead.length;
  const total = [t('cli.total'), ...Array(n - 1).fill(''), c.total.groups, membersCell(c.total), c.total.confirmed, formatPct(c.total.pct), shortTime(c.total.firstAt, timeZone), shortTime(c.total.lastAt, timeZone)];
  const rows = c.rows.map(cells);
  const body = rows.length ? formatTable(headers, [...rows, total], [n, n + 1, n + 2, n + 3]) : `${formatTable(headers, [total], [n, n + 1, n + 2, n + 3])}\n${t('cli.coverage_none_below', { by: byText(c.by) })}`;
  return `${head}\n\n${body}${coverageNotes(c.total)}`;
}

/** The posts table. */
export function formatPosts(rows: PostOverview[], timeZone = DEFAULT_TIME_ZONE): string {
  if (!rows.length) return t('cli.no_posts');
  return formatTable(
    list('cli.headers.posts'),
    rows.map((p) => [p.code, p.title.length > 24 ? `${p.title.slice(0, 23)}…` : p.title, shortTime(p.capturedAt, timeZone), p.groups, p.pending, membersCell(p), p.confirmed, formatPct(p.pct)]),
    [3, 4, 5, 6, 7],
  );
}

// Built on first use: zod takes a noticeable time to load, and `--help` should not wait for it.
// Option errors are shown as they are: Chinese first, like the rest of the CLI's messages.
const unitId = (z: typeof import('zod').z, option: string) =>
  z.coerce.number({ message: t('cli.options.unit_number', { option }) }).int().positive().max(MAX_ID, { message: t('cli.options.unit_id', { option }) }).optional();
const coverageOpts = (z: typeof import('zod').z) => z.object({
  by: z.enum(['county', 'school', 'group'], { message: t('cli.options.by') }).default('county'),
  below: z.coerce.number({ message: t('cli.options.below_number') }).min(0, { message: t('cli.options.below_range') }).max(100, { message: t('cli.options.below_range') }).optional(),
  county: unitId(z, '--county'),
  school: unitId(z, '--school'),
  limit: z.coerce.number({ message: t('cli.options.limit_number') }).int({ message: t('cli.options.limit_int') }).positive({ message: t('cli.options.limit_min') }).optional(),
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
