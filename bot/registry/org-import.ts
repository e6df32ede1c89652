// Org tree import from CSV (county, name, kind, parent). Idempotent: units are matched by
// (parent, name); only new units get an enrollment code, printed once by the caller. Used by the
// CLI and the demo's scenarios: its messages are the CLI's (content/locales/zh-CN/cli.yml `org`).
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { PrismaClient } from '../db/client.ts';
import { UserError } from '../errors.ts';
import { t } from '../i18n.ts';
import { hashCode, newEnrollmentCode } from './enrollment-code.ts';

export const REQUIRED_COLUMNS = ['county', 'name', 'kind', 'parent'] as const;
const KINDS = ['city', 'county', 'department', 'school'] as const;
const KIND_ALIASES: Record<string, (typeof KINDS)[number]> = {
  市: 'city', 市教育局: 'city', 县区: 'county', 县: 'county', 区: 'county', 部门: 'department', 科室: 'department', 学校: 'school',
};

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F]/;
/** A trimmed cell without control characters (PostgreSQL refuses NUL; the rest hides what a name is). */
const cell = (what: string) => z.string().trim().refine((s) => !CONTROL.test(s), { message: t('org.problem.control', { what: t(`org.what.${what}`) }) });

/** The tree is city → county bureaus and departments → schools (a department may also sit under a county). */
const PARENT_KINDS: Record<(typeof KINDS)[number], readonly string[]> = { city: [], county: ['city'], department: ['city', 'county'], school: ['county', 'department'] };
const kindWords = (kind: string) => t(`org.kind_words.${kind}`);

const rowSchema = z.object({
  county: cell('county'),
  name: cell('name').min(1, { message: t('org.problem.name_empty') }).max(100, { message: t('org.problem.name_long') }),
  kind: z.preprocess(
    (v) => (typeof v === 'string' ? (KIND_ALIASES[v.trim()] ?? v.trim().toLowerCase()) : v),
    z.enum(KINDS, { message: t('org.problem.kind', { kinds: KINDS.join(', ') }) }),
  ),
  parent: cell('parent'),
  sample: cell('sample').optional(),
});

export type OrgRow = z.infer<typeof rowSchema> & { line: number };

/** Parses and checks the CSV; throws UserError naming every bad line. */
export function parseOrgCsv(text: string): OrgRow[] {
  let records: Record<string, string>[];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, comment: '#' });
  } catch (err) {
    const reason = (err as Error).message;
    throw new UserError('org.csv_unreadable', { reason }, t('org.csv_unreadable', { reason }));
  }
  if (records.length === 0) throw new UserError('org.csv_empty', {}, t('org.csv_empty'));
  const missing = REQUIRED_COLUMNS.filter((c) => !(c in records[0]));
  if (missing.length) {
    const params = { required: REQUIRED_COLUMNS.join(', '), missing: missing.join(', ') };
    throw new UserError('org.csv_columns', params, t('org.csv_columns', params));
  }
  const at = (line: number, problem: string) => t('org.problem.line', { line, problem });
  const problems: string[] = [];
  const rows: OrgRow[] = [];
  const seen = new Map<string, number>();
  records.forEach((rec, i) => {
    const line = i + 2;
    const r = rowSchema.safeParse(rec);
    if (!r.success) {
      problems.push(at(line, r.error.issues.map((x) => x.message).join(';')));
      return;
    }
    const row = { ...r.data, line };
    if (row.kind === 'city' && row.parent) problems.push(at(line, t('org.problem.city_parent')));
    if (row.kind !== 'city' && !row.parent) problems.push(at(line, t('org.problem.needs_parent', { name: row.name })));
    const key = `${row.parent}\u0000${row.name}`;
    if (seen.has(key)) problems.push(at(line, t('org.problem.twice', { name: row.name, parent: row.parent || '—', first: seen.get(key)! })));
    else seen.set(key, line);
    rows.push(row);
  });
  if (problems.length) throw new UserError('org.csv_invalid', { problems: problems.join('\n') }, problems.join('\n'));
  return rows;
}

export interface ImportResult {
  created: { id: number; name: string; kind: string; path: string; code: string }[];
  unchanged: number;
}

/**
 * Creates the units that do not exist yet, in one transaction (all or nothing).
 * Parents are resolved by name among the file's rows and the existing units.
 */
export async function importOrg(prisma: PrismaClient, rows: OrgRow[], opts: { dryRun?: boolean } = {}): Promise<ImportResult> {
  return prisma.$transaction(async (tx) => {
    const existing = await tx.orgUnit.findMany({ select: { id: true, name: true, kind: true, parentId: true, countyId: true } });
    const byName = new Map<string, typeof existing>();
    for (const u of existing) byName.set(u.name, [...(byName.get(u.name) ?? []), u]);
    const result: ImportResult = { created: [], unchanged: 0 };
    const misplaced: string[] = [];
    const pending = [...rows];
    let progress = true;
    while (pending.length && progress) {
      progress = false;
      for (let i = 0; i < pending.length; i++) {
        const row = pending[i];
        let parent: (typeof existing)[number] | undefined;
        if (row.parent) {
          const candidates = byName.get(row.parent) ?? [];
          if (candidates.length === 0) continue; // parent appears later in the file
          if (candidates.length > 1) {
            const params = { line: row.line, parent: row.parent };
            throw new UserError('org.parent_ambiguous', params, t('org.parent_ambiguous', params));
          }
          parent = candidates[0];
          if (!PARENT_KINDS[row.kind].includes(parent.kind)) {
            const allowed = PARENT_KINDS[row.kind].map(kindWords).join(t('org.problem.or'));
            misplaced.push(t('org.problem.misplaced', { line: row.line, name: row.name, kind: kindWords(row.kind), parent: parent.name, parentKind: kindWords(parent.kind), allowed }));
          }
        }
        pending.splice(i--, 1);
        progress = true;
        const same = (byName.get(row.name) ?? []).find((u) => u.parentId === (parent?.id ?? null));
        if (same) {
          if (same.kind !== row.kind) {
            const params = { line: row.line, name: row.name, old: same.kind, new: row.kind };
            throw new UserError('org.kind_changed', params, t('org.kind_changed', params));
          }
          result.unchanged++;
          continue;
        }
        if (row.kind === 'city' && existing.some((u) => u.kind === 'city')) {
          throw new UserError('org.two_cities', { line: row.line }, t('org.two_cities', { line: row.line }));
        }
        const code = newEnrollmentCode();
        const countyId = row.kind === 'county' ? null : parent?.kind === 'county' ? parent.id : (parent?.countyId ?? null);
        const unit = await tx.orgUnit.create({
          data: {
            name: row.name,
            kind: row.kind,
            parentId: parent?.id ?? null,
            countyId,
            codeHash: hashCode(code),
            codeIssuedAt: new Date(),
            sample: /^(1|true|yes|是|示例)$/i.test(row.sample ?? ''),
          },
        });
        if (row.kind === 'county') await tx.orgUnit.update({ where: { id: unit.id }, data: { countyId: unit.id } });
        const created = { id: unit.id, name: unit.name, kind: unit.kind, parentId: unit.parentId, countyId: row.kind === 'county' ? unit.id : countyId };
        existing.push(created);
        byName.set(unit.name, [...(byName.get(unit.name) ?? []), created]);
        result.created.push({ id: unit.id, name: unit.name, kind: unit.kind, path: row.parent ? `${row.parent} / ${row.name}` : row.name, code });
      }
    }
    if (pending.length) {
      const problems = pending.map((r) => t('org.problem.parent_missing', { line: r.line, name: r.name, parent: r.parent })).join('\n');
      throw new UserError('org.parent_missing', { problems }, problems);
    }
    if (misplaced.length) throw new UserError('org.hierarchy', { problems: misplaced.join('\n') }, misplaced.join('\n'));
    if (opts.dryRun) throw new DryRun(result);
    return result;
  });
}

/** Thrown inside the transaction to roll a dry run back while returning its result. */
export class DryRun extends Error {
  constructor(readonly result: ImportResult) {
    super('dry run');
  }
}

/** Issues a new enrollment code for a unit (the old one stops working at once). */
export async function rotateCode(prisma: PrismaClient, unitName: string, actor: string): Promise<{ unit: string; code: string }> {
  const units = await prisma.orgUnit.findMany({ where: { name: unitName } });
  if (units.length === 0) throw new UserError('org.unknown_unit', { unit: unitName }, t('org.unknown_unit', { unit: unitName }));
  if (units.length > 1) throw new UserError('org.ambiguous_unit', { unit: unitName }, t('org.ambiguous_unit', { unit: unitName }));
  const code = newEnrollmentCode();
  await prisma.$transaction([
    prisma.orgUnit.update({ where: { id: units[0].id }, data: { codeHash: hashCode(code), codeIssuedAt: new Date() } }),
    prisma.auditEvent.create({ data: { actor, action: 'org.code_rotated', orgUnitId: units[0].id } }),
  ]);
  return { unit: units[0].name, code };
}
