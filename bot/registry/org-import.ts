// Org tree import from CSV (county, name, kind, parent). Idempotent: units are matched by
// (parent, name); only new units get an enrollment code, printed once by the caller.
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import type { PrismaClient } from '../db/client.ts';
import { UserError } from '../errors.ts';
import { hashCode, newEnrollmentCode } from './enrollment-code.ts';

export const REQUIRED_COLUMNS = ['county', 'name', 'kind', 'parent'] as const;
const KINDS = ['city', 'county', 'department', 'school'] as const;
const KIND_ALIASES: Record<string, (typeof KINDS)[number]> = {
  市: 'city', 市教育局: 'city', 县区: 'county', 县: 'county', 区: 'county', 部门: 'department', 科室: 'department', 学校: 'school',
};

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F]/;
/** A trimmed cell without control characters (PostgreSQL refuses NUL; the rest hides what a name is). */
const cell = (what: string) => z.string().trim().refine((s) => !CONTROL.test(s), { message: `the ${what} contains a control character (such as NUL); remove it` });

/** The tree is city → county bureaus and departments → schools (a department may also sit under a county). */
const PARENT_KINDS: Record<(typeof KINDS)[number], readonly string[]> = { city: [], county: ['city'], department: ['city', 'county'], school: ['county', 'department'] };
const KIND_WORDS: Record<string, string> = { city: 'the city bureau', county: 'a county bureau', department: 'a department', school: 'a school' };

const rowSchema = z.object({
  county: cell('county'),
  name: cell('unit name').min(1, { message: 'the unit name is empty' }).max(100, { message: 'the unit name is longer than 100 characters' }),
  kind: z.preprocess(
    (v) => (typeof v === 'string' ? (KIND_ALIASES[v.trim()] ?? v.trim().toLowerCase()) : v),
    z.enum(KINDS, { message: `kind must be one of ${KINDS.join(', ')}` }),
  ),
  parent: cell('parent name'),
  sample: cell('sample column').optional(),
});

export type OrgRow = z.infer<typeof rowSchema> & { line: number };

/** Parses and checks the CSV; throws UserError naming every bad line. */
export function parseOrgCsv(text: string): OrgRow[] {
  let records: Record<string, string>[];
  try {
    records = parse(text.replace(/^\uFEFF/, ''), { columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()), skip_empty_lines: true, trim: true, comment: '#' });
  } catch (err) {
    throw new UserError('org.csv_unreadable', {}, `the file is not valid CSV: ${(err as Error).message}`);
  }
  if (records.length === 0) throw new UserError('org.csv_empty', {}, 'the file has no units (after the header line)');
  const missing = REQUIRED_COLUMNS.filter((c) => !(c in records[0]));
  if (missing.length) {
    throw new UserError('org.csv_columns', {}, `the CSV needs the columns ${REQUIRED_COLUMNS.join(', ')}; missing: ${missing.join(', ')}`);
  }
  const problems: string[] = [];
  const rows: OrgRow[] = [];
  const seen = new Map<string, number>();
  records.forEach((rec, i) => {
    const line = i + 2;
    const r = rowSchema.safeParse(rec);
    if (!r.success) {
      problems.push(`line ${line}: ${r.error.issues.map((x) => x.message).join('; ')}`);
      return;
    }
    const row = { ...r.data, line };
    if (row.kind === 'city' && row.parent) problems.push(`line ${line}: a city unit has no parent`);
    if (row.kind !== 'city' && !row.parent) problems.push(`line ${line}: ${row.name} needs a parent unit`);
    const key = `${row.parent}\u0000${row.name}`;
    if (seen.has(key)) problems.push(`line ${line}: ${row.name} under ${row.parent || '(top)'} is listed twice (first on line ${seen.get(key)})`);
    else seen.set(key, line);
    rows.push(row);
  });
  if (problems.length) throw new UserError('org.csv_invalid', {}, problems.join('\n'));
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
            throw new UserError('org.parent_ambiguous', {}, `line ${row.line}: more than one unit is named ${row.parent}; parent names must be unique`);
          }
          parent = candidates[0];
          if (!PARENT_KINDS[row.kind].includes(parent.kind)) {
            const allowed = PARENT_KINDS[row.kind].map((k) => KIND_WORDS[k]).join(' or ');
            misplaced.push(`line ${row.line}: ${row.name} (${KIND_WORDS[row.kind]}) cannot be under ${parent.name}, which is ${KIND_WORDS[parent.kind]}; its parent must be ${allowed}`);
          }
        }
        pending.splice(i--, 1);
        progress = true;
        const same = (byName.get(row.name) ?? []).find((u) => u.parentId === (parent?.id ?? null));
        if (same) {
          if (same.kind !== row.kind) {
            throw new UserError('org.kind_changed', {}, `line ${row.line}: ${row.name} exists as ${same.kind}, the file says ${row.kind}; change it by hand if intended`);
          }
          result.unchanged++;
          continue;
        }
        if (row.kind === 'city' && existing.some((u) => u.kind === 'city')) {
          throw new UserError('org.two_cities', {}, `line ${row.line}: the tree already has a city unit; there can be only one`);
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
      throw new UserError(
        'org.parent_missing',
        {},
        pending.map((r) => `line ${r.line}: the parent unit "${r.parent}" of ${r.name} is neither in the file nor in the database`).join('\n'),
      );
    }
    if (misplaced.length) throw new UserError('org.hierarchy', {}, misplaced.join('\n'));
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
  if (units.length === 0) throw new UserError('org.unknown_unit', {}, `no unit is named "${unitName}" (see \`antifraud org list\`)`);
  if (units.length > 1) throw new UserError('org.ambiguous_unit', {}, `more than one unit is named "${unitName}"; use its id (see \`antifraud org list\`)`);
  const code = newEnrollmentCode();
  await prisma.$transaction([
    prisma.orgUnit.update({ where: { id: units[0].id }, data: { codeHash: hashCode(code), codeIssuedAt: new Date() } }),
    prisma.auditEvent.create({ data: { actor, action: 'org.code_rotated', orgUnitId: units[0].id } }),
  ]);
  return { unit: units[0].name, code };
}
