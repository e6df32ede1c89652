// antifraud org import | list | codes --rotate
import fs from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { idFrom } from '../db/ids.ts';
import { withDb } from './context.ts';
import { formatTable } from './table.ts';

const KIND_ZH: Record<string, string> = { city: '市', county: '县区', department: '部门', school: '学校' };

/** Registers the `org` commands. */
export function registerOrg(program: Command): void {
  const org = program.command('org').description('the org tree: import units, list them, issue enrollment codes');

  org
    .command('import')
    .argument('<file>', 'CSV with the columns county, name, kind (city|county|department|school), parent')
    .option('--dry-run', 'check the file and show what would be created, change nothing')
    .description('import org units; each NEW unit gets an enrollment code, printed once (re-import is safe)')
    .action(async (file: string, opts: { dryRun?: boolean }) => {
      await withDb(async ({ db, out }) => {
        let bytes: Buffer;
        try {
          bytes = fs.readFileSync(file);
        } catch (err) {
          throw new UserError('org.file', {}, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        const { decodeTextFile } = await import('../registry/csv-encoding.ts');
        const { text, encoding } = decodeTextFile(bytes, file);
        if (encoding !== 'UTF-8') out(`read ${file} as ${encoding === 'GB18030' ? 'GBK (GB18030, as Excel saves "CSV" on Chinese Windows)' : encoding}`);
        const { DryRun, importOrg, parseOrgCsv } = await import('../registry/org-import.ts');
        const rows = parseOrgCsv(text);
        let result;
        try {
          result = await importOrg(db.prisma, rows, { dryRun: opts.dryRun });
        } catch (err) {
          if (!(err instanceof DryRun)) throw err;
          result = err.result;
        }
        if (!opts.dryRun && result.created.length) {
          await db.prisma.auditEvent.create({
            data: { actor: 'cli', action: 'org.imported', detail: { file, created: result.created.map((c) => c.id) } },
          });
        }
        const verb = opts.dryRun ? 'would create' : 'created';
        out(`${verb} ${result.created.length} unit(s), ${result.unchanged} already present`);
        if (result.created.length) {
          out();
          out(formatTable(['单位', '类型', '上级', '登记码'], result.created.map((c) => [c.name, KIND_ZH[c.kind] ?? c.kind, c.path.split(' / ').slice(0, -1).join(''), opts.dryRun ? '(dry run)' : c.code])));
          if (!opts.dryRun) {
            out();
            out('Enrollment codes are shown only this once. Hand each to the unit\'s designated staff;');
            out('they send "#登记 <code>" in their work group. Lost codes: antifraud org codes --rotate <unit>.');
          }
        }
      });
    });

  org
    .command('list')
    .description('list the org tree with ids, kinds and registered work groups')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }) => {
      await withDb(async ({ db, out }) => {
        const units = await db.prisma.orgUnit.findMany({
          orderBy: { id: 'asc' },
          include: { parent: { select: { name: true } }, _count: { select: { groups: true } } },
        });
        if (opts.json) {
          out(JSON.stringify(units.map((u) => ({ id: u.id, name: u.name, kind: u.kind, parent: u.parent?.name ?? null, groups: u._count.groups, sample: u.sample })), null, 2));
          return;
        }
        if (!units.length) {
          out('no units yet — import them with: antifraud org import content/org/qinzhou-sample.csv');
          return;
        }
        out(formatTable(['ID', '单位', '类型', '上级', '群数', '登记码'], units.map((u) => [u.id, u.name + (u.sample ? ' (示例)' : ''), KIND_ZH[u.kind], u.parent?.name ?? '', u._count.groups, u.codeHash ? '已发放' : '—']), [0, 4]));
      });
    });

  org
    .command('codes')
    .description('issue a new enrollment code for a unit (the old code stops working)')
    .requiredOption('--rotate <unit>', 'unit name (or id)')
    .action(async (opts: { rotate: string }) => {
      await withDb(async ({ db, out }) => {
        let name = opts.rotate;
        if (/^\d+$/.test(name)) {
          const id = idFrom(name);
          const u = id === null ? null : await db.prisma.orgUnit.findUnique({ where: { id } });
          if (!u) throw new UserError('org.unknown_unit', {}, `no unit has id ${name} (see \`antifraud org list\`)`);
          name = u.name;
        }
        const { rotateCode } = await import('../registry/org-import.ts');
        const { unit, code } = await rotateCode(db.prisma, name, 'cli');
        out(`new enrollment code for ${unit}: ${code}`);
        out('It is shown only this once; the previous code no longer works.');
      });
    });
}
