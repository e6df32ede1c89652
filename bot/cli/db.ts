// antifraud db url | status
import type { Command } from 'commander';
import { t } from '../i18n.ts';
import { withDb } from './context.ts';

/** Registers the `db` commands. */
export function registerDb(program: Command): void {
  const db = program.command('db').description(t('cli.help.db'));
  db.command('url')
    .description(t('cli.help.db_url'))
    .action(async () => {
      await withDb(async ({ db, out, config }) => {
        out(db.url);
        if (db.embedded && !config.databaseUrl) process.stderr.write(`${t('db.url_note')}\n`);
      }, { prisma: false });
    });
  db.command('status')
    .description(t('cli.help.db_status'))
    .action(async () => {
      await withDb(async ({ db, out }) => {
        const { rows } = await db.pool.query<{ migration_name: string; finished_at: Date }>(
          'SELECT migration_name, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
        );
        const applied = new Map(rows.map((r) => [r.migration_name, r.finished_at]));
        const { readMigrations } = await import('../db/migrate.ts');
        for (const m of readMigrations()) out(`${t(applied.get(m.name) ? 'db.applied' : 'db.pending')}  ${m.name}`);
        out(t(db.embedded ? 'db.embedded' : 'db.external'));
      }, { prisma: false });
    });
}
