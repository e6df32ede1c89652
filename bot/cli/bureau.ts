// antifraud token create|list|revoke and antifraud report monthly|half-year|annual.
import fs from 'node:fs';
import type { Command } from 'commander';
import { dateTime } from '../core/time.ts';
import { UserError } from '../errors.ts';
import { ROLES, type Role } from '../http/tokens.ts';
import type { ReportData } from '../reports/build.ts';
import { idFrom } from '../db/ids.ts';
import { withDb } from './context.ts';
import { formatTable } from './table.ts';

const ROLE_ZH: Record<string, string> = { bureau: '市教育局', county: '县区教育局', school: '学校' };
/** "2026-03-02 19:41" in the configured time zone, or "—". */
const day = (d: Date | null, tz: string) => (d ? dateTime(d, tz).slice(0, 16) : '—');

/** Registers the `token` and `report` commands. */
export function registerBureau(program: Command): void {
  const token = program.command('token').description('API tokens for the dashboard and the /api/ endpoints (bureau, county, school)');

  token
    .command('create')
    .description('create a token; it is printed once and stored only as a hash')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .requiredOption('--unit <unit>', 'unit name or id (the city for bureau, a county bureau for county, a school for school)')
    .option('--name <label>', 'a label to recognise the token by in `token list`')
    .action(async (opts: { role: string; unit: string; name?: string }) => {
      await withDb(async ({ db, out }) => {
        const { createToken } = await import('../http/tokens.ts');
        const { secret, token: t, unit } = await createToken(db.prisma, { role: opts.role as Role, unit: opts.unit, name: opts.name });
        out(`token ${t.id} for ${unit.name} (${opts.role}):`);
        out();
        out(`  ${secret}`);
        out();
        out('It is shown only this once. Sign in to the dashboard with it, or send "Authorization: Bearer <token>".');
      });
    });

  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      await withDb(async ({ config, db, out }) => {
        const { listTokens } = await import('../http/tokens.ts');
        const rows = await listTokens(db.prisma);
        if (opts.json) {
          out(JSON.stringify(rows, null, 2));
          return;
        }
        if (!rows.length) {
          out('no tokens yet — create one with: antifraud token create --role bureau --unit 钦州市教育局');
          return;
        }
        out(formatTable(['ID', '名称', '角色', '单位', '创建', '最近使用', '状态'], rows.map((r) => [r.id, r.name, ROLE_ZH[r.role], r.orgUnit.name, day(r.createdAt, config.timeZone), day(r.lastUsedAt, config.timeZone), r.revokedAt ? `已撤销 ${day(r.revokedAt, config.timeZone)}` : '有效']), [0]));
      });
    });

  token
    .command('revoke')
    .argument('<id>', 'token id (see `antifraud token list`)')
    .description('revoke a token: requests with it get 401 from now on')
    .action(async (id: string) => {
      await withDb(async ({ db, out }) => {
        if (!/^\d+$/.test(id.trim())) throw new UserError('bureau.bad_token_id', {}, `a token id is a number (see \`antifraud token list\`), not "${id}"`);
        const tokenId = idFrom(id);
        if (tokenId === null) throw new UserError('bureau.unknown_token', {}, `no token has id ${id.trim()} (see \`antifraud token list\`)`);
        const { revokeToken } = await import('../http/tokens.ts');
        const { already } = await revokeToken(db.prisma, tokenId);
        out(already ? `token ${id} was already revoked` : `token ${id} revoked`);
      });
    });

  program
    .command('report')
    .argument('<kind>', 'monthly, half-year or annual')
    .requiredOption('--period <period>', '2026-11 (monthly), 2026-H1 (half-year) or 2026 (annual)')
    .option('--unit <unit>', 'unit name or id (default: the city)')
    .option('--xlsx <file>', 'also write the report as an Excel file')
    .option('--csv <file>', 'also write the report as a CSV file')
    .option('--docx <file>', 'also write the summary document (工作小结, Word) with the unit\'s activity photos')
    .option('--refresh', 'rebuild from the ledger now and replace the stored report')
    .option('--json', 'print the report data as JSON')
    .description('produce a report on demand (the same one the schedules store)')
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
        const r = await generateReport({ db, clock: systemClock, timeZone: config.timeZone }, kind, opts.period, unit.id, { refresh: opts.refresh });
        if (opts.xlsx) writeFile(opts.xlsx, await reportXlsx(r.data));
        if (opts.csv) writeFile(opts.csv, reportCsv(r.data));
        if (opts.docx) {
          const { summaryDocx } = await import('../reports/summary-docx.ts');
          writeFile(opts.docx, await summaryDocx(db.pool, r.data, { dataDir: config.dataDir, timeZone: config.timeZone }));
        }
        if (opts.json) out(JSON.stringify(r.data, null, 2));
        else printReport(out, r.data, r.created);
        if (opts.xlsx) process.stderr.write(`wrote ${opts.xlsx}\n`);
        if (opts.csv) process.stderr.write(`wrote ${opts.csv}\n`);
        if (opts.docx) process.stderr.write(`wrote ${opts.docx}\n`);
      });
    });
}

function writeFile(file: string, data: Buffer | string): void {
  try {
    fs.writeFileSync(file, data);
  } catch (err) {
    throw new UserError('bureau.write_failed', {}, `cannot write ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

const fmtPct = (p: number | null) => (p === null ? '—' : `${p}%`);

function printReport(out: (l?: string) => void, d: ReportData, created: boolean): void {
  out(`${d.unit.name} ${d.period} ${d.kind === 'monthly' ? '月报' : d.kind === 'half_year' ? '半年报' : '年报'} (${created ? 'generated now' : `stored ${d.generatedAt}`})`);
  out(`window ${d.window.from} – ${d.window.to}, deadline ${d.deadline}`);
  out(`posts ${d.posts.total} (${d.posts.bySource.map((s) => `${s.source} ${s.posts}`).join(', ') || 'none'}), groups reached ${d.groupsReached}`);
  out(`coverage ${d.coverage.confirmed}/${d.coverage.members} = ${fmtPct(d.coverage.pct)} (target ${d.target}%)`);
  out(`semester letter ${fmtPct(d.campaigns.letter.pct)}, app-install attestation ${fmtPct(d.campaigns.attestation.pct)}`);
  out(`cases ${d.figures.cases}, losses ${d.figures.lossesYuan} yuan`);
  if (d.units.length) {
    out();
    out(formatTable(['单位', '群数', '送达', '确认', '覆盖率', ''], d.units.map((u) => [u.name, u.groups, u.members, u.confirmed, fmtPct(u.pct), u.below ? '未达标' : '']), [1, 2, 3, 4]));
  }
}
