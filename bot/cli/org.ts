// antifraud org import | list | codes --rotate
import fs from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../errors.ts';
import { idFrom } from '../db/ids.ts';
import { list, t } from '../i18n.ts';
import { withDb } from './context.ts';
import { formatTable } from './table.ts';

const kindText = (kind: string) => t(`org.kinds.${kind}`);

/** Registers the `org` commands. */
export function registerOrg(program: Command): void {
  const org = program.command('org').description(t('cli.help.org'));

  org
    .command('import')
    .argument('<file>', t('cli.help.org_import_file'))
    .option('--dry-run', t('cli.help.org_import_dry_run'))
    .description(t('cli.help.org_import'))
    .action(async (file: string, opts: { dryRun?: boolean }) => {
      await withDb(async ({ db, out }) => {
        let bytes: Buffer;
        try {
          bytes = fs.readFileSync(file);
        } catch (err) {
          const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
          throw new UserError('org.file', { file, reason }, `cannot read ${file}: ${reason}`);
        }
        const { decodeTextFile } = await import('../registry/csv-encoding.ts');
        const { text, encoding } = decodeTextFile(bytes, file);
        if (encoding !== 'UTF-8') out(t('org.read_as', { file, encoding: encoding === 'GB18030' ? t('org.gbk') : encoding }));
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
        out(t(opts.dryRun ? 'org.would_create' : 'org.created', { created: result.created.length, unchanged: result.unchanged }));
        if (result.created.length) {
          out();
          out(formatTable(list('cli.headers.org_created'), result.created.map((c) => [c.name, kindText(c.kind), c.path.split(' / ').slice(0, -1).join(''), opts.dryRun ? t('org.dry_run_code') : c.code])));
          if (!opts.dryRun) {
            out();
            out(t('org.codes_once'));
          }
        }
      });
    });

  org
    .command('list')
    .description(t('cli.help.org_list'))
    .option('--json', t('cli.help.json'))
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
          out(t('org.none'));
          return;
        }
        out(formatTable(list('cli.headers.org_list'), units.map((u) => [u.id, u.name + (u.sample ? ` ${t('org.sample')}` : ''), kindText(u.kind), u.parent?.name ?? '', u._count.groups, u.codeHash ? t('org.code_issued') : '—']), [0, 4]));
      });
    });

  org
    .command('codes')
    .description(t('cli.help.org_codes'))
    .requiredOption('--rotate <unit>', t('cli.help.org_codes_rotate'))
    .action(async (opts: { rotate: string }) => {
      await withDb(async ({ db, out }) => {
        let name = opts.rotate;
        if (/^\d+$/.test(name)) {
          const id = idFrom(name);
          const u = id === null ? null : await db.prisma.orgUnit.findUnique({ where: { id } });
          if (!u) throw new UserError('org.unknown_unit_id', { id: name }, `no unit has id ${name} (see \`antifraud org list\`)`);
          name = u.name;
        }
        const { rotateCode } = await import('../registry/org-import.ts');
        const { unit, code } = await rotateCode(db.prisma, name, 'cli');
        out(t('org.new_code', { unit, code }));
        out(t('org.new_code_once'));
      });
    });
}
