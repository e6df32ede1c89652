// antifraud token create|list|revoke and antifraud report monthly|half-year|annual.
import fs from 'node:fs';
import type { Command } from 'commander';
import { dateTime } from '../core/time.ts';
import { UserError } from '../errors.ts';
import { list, t } from '../i18n.ts';
import { ROLES, type Role } from '../http/tokens.ts';
import type { ReportData } from '../reports/build.ts';
import { idFrom } from '../db/ids.ts';
import { withDb } from './context.ts';
import { coverageNotes } from './ledger.ts';
import { formatTable } from './table.ts';

/** "2026-03-02 19:41" in the configured time zone, or "—". */
const day = (d: Date | null, tz: string) => (d ? dateTime(d, tz).slice(0, 16) : '—');

/** Registers the `token` and `report` commands. */
export function registerBureau(program: Command): void {
  const token = program.command('token').description(t('cli.help.token'));

  token
    .command('create')
    .description(t('cli.help.token_create'))
    .requiredOption('--role <role>', t('cli.help.token_role', { roles: ROLES.join(', ') }))
    .requiredOption('--unit <unit>', t('cli.help.token_unit'))
    .option('--name <label>', t('cli.help.token_name'))
    .action(async (opts: { role: string; unit: string; name?: string }) => {
      await withDb(async ({ db, out }) => {
        const { createToken } = await import('../http/tokens.ts');
        const { secret, token: row, unit } = await createToken(db.prisma, { role: opts.role as Role, unit: opts.unit, name: opts.name });
        out(t('token.created', { id: row.id, unit: unit.name, role: opts.role }));
        out();
        out(`  ${secret}`);
        out();
        out(t('token.once'));
      });
    });

  token
    .command('list')
    .description(t('cli.help.token_list'))
    .option('--json', t('cli.help.json'))
    .action(async (opts: { json?: boolean }) => {
      await withDb(async ({ config, db, out }) => {
        const { listTokens } = await import('../http/tokens.ts');
        const rows = await listTokens(db.prisma);
        if (opts.json) {
          out(JSON.stringify(rows, null, 2));
          return;
        }
        if (!rows.length) {
          out(t('token.none'));
          return;
        }
        out(formatTable(list('cli.headers.tokens'), rows.map((r) => [r.id, r.name, t(`token.roles.${r.role}`), r.orgUnit.name, day(r.createdAt, config.timeZone), day(r.lastUsedAt, config.timeZone), r.revokedAt ? t('token.state_revoked', { at: day(r.revokedAt, config.timeZone) }) : t('token.state_valid')]), [0]));
      });
    });

  token
    .command('revoke')
    .argument('<id>', t('cli.help.token_revoke_id'))
    .description(t('cli.help.token_revoke'))
    .action(async (id: string) => {
      await withDb(async ({ db, out }) => {
        if (!/^\d+$/.test(id.trim())) throw new UserError('bureau.bad_token_id', { id }, `a token id is a number (see \`antifraud token list\`), not "${id}"`);
        const tokenId = idFrom(id);
        if (tokenId === null) throw new UserError('bureau.unknown_token', { id: id.trim() }, `no token has id ${id.trim()} (see \`antifraud token list\`)`);
        const { revokeToken } = await import('../http/tokens.ts');
        const { already } = await revokeToken(db.prisma, tokenId);
        out(t(already ? 'token.already_revoked' : 'token.revoked', { id: id.trim() }));
      });
    });

  program
    .command('report')
    .argument('<kind>', t('cli.help.report_kind'))
    .requiredOption('--period <period>', t('cli.help.report_period'))
    .option('--unit <unit>', t('cli.help.report_unit'))
    .option('--xlsx <file>', t('cli.help.report_xlsx'))
    .option('--csv <file>', t('cli.help.report_csv'))
    .option('--docx <file>', t('cli.help.report_docx'))
    .option('--refresh', t('cli.help.report_refresh'))
    .option('--json', t('cli.help.report_json'))
    .description(t('cli.help.report'))
    .action(async (kindText: string, opts: { period: string; unit?: string; xlsx?: string; csv?: string; docx?: string; refresh?: boolean; json?: boolean }) => {
      await withDb(async ({ db, out, config }) => {
        const [{ resolveUnit }, { systemClock }, { reportCsv, reportXlsx }, { generateReport }, { parseKind, parsePeriod }] = await Promise.all([
          import('../http/tokens.ts'),
          import('../clock.ts'),
          import('../reports/export.ts'),
          import('../reports/generate.ts'),
          import('../reports/periods.ts'),
        ]);
        const kind = parseKind(kindText);
        parsePeriod(kind, opts.period, config.timeZone);
        const unit = opts.unit ? await resolveUnit(db.prisma, opts.unit) : await db.prisma.orgUnit.findFirst({ where: { kind: 'city' }, orderBy: { id: 'asc' } });
        if (!unit) throw new UserError('bureau.no_city', {}, 'there is no city unit yet — import the org tree first: antifraud org import <file>');
        const calendar = (await import('../core/settings.ts')).contentSettings().relay.calendar;
        const r = await generateReport({ db, clock: systemClock, timeZone: config.timeZone, calendar }, kind, opts.period, unit.id, { refresh: opts.refresh });
        if (opts.xlsx) writeFile(opts.xlsx, await reportXlsx(r.data));
        if (opts.csv) writeFile(opts.csv, reportCsv(r.data));
        if (opts.docx) {
          const { summaryDocx } = await import('../reports/summary-docx.ts');
          writeFile(opts.docx, await summaryDocx(db.pool, r.data, { dataDir: config.dataDir, timeZone: config.timeZone }));
        }
        if (opts.json) out(JSON.stringify(r.data, null, 2));
        else printReport(out, r.data, r.created, config.timeZone);
        for (const file of [opts.xlsx, opts.csv, opts.docx]) if (file) process.stderr.write(`${t('cli.wrote', { file })}\n`);
      });
    });
}

function writeFile(file: string, data: Buffer | string): void {
  try {
    fs.writeFileSync(file, data);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new UserError('bureau.write_failed', { file, reason }, `cannot write ${file}: ${reason}`);
  }
}

const fmtPct = (p: number | null) => (p === null ? '—' : `${p}%`);

function printReport(out: (l?: string) => void, d: ReportData, created: boolean, tz: string): void {
  const at = (iso: string) => day(new Date(iso), tz);
  out(t('report.head', { unit: d.unit.name, period: d.period, kind: t(`report.kinds.${d.kind}`), when: created ? t('report.generated_now') : t('report.stored', { at: at(d.generatedAt) }) }));
  out(t('report.window', { from: at(d.window.from), to: at(d.window.to), deadline: at(d.deadline) }));
  out(t('report.posts', { total: d.posts.total, sources: d.posts.bySource.map((s) => `${s.source} ${s.posts}`).join(',') || t('report.no_sources'), groups: d.groupsReached }));
  out(t('report.coverage', { confirmed: d.coverage.confirmed, members: d.coverage.members, pct: fmtPct(d.coverage.pct), target: d.target }));
  out(t('report.campaigns', { letter: fmtPct(d.campaigns.letter.pct), attestation: fmtPct(d.campaigns.attestation.pct) }));
  out(t('report.figures', { cases: d.figures.cases, losses: d.figures.lossesYuan }));
  if (d.units.length) {
    out();
    out(formatTable(list('cli.headers.report_units'), d.units.map((u) => [u.name, u.groups, u.members, u.confirmed, fmtPct(u.pct), u.below ? t('report.below') : '']), [1, 2, 3, 4]));
  }
  const notes = coverageNotes(d.coverage);
  if (notes) out(notes.trimStart());
}
