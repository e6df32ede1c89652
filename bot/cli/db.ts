// antifraud db url | status
import type { Command } from 'commander';
import { withDb } from './context.ts';

/** Registers the `db` commands. */
export function registerDb(program: Command): void {
  const db = program.command('db').description('the database: where it is, which migrations are applied');
  db.command('url')
    .description('print the connection URL (for psql or `npx prisma migrate deploy`); keep it secret')
    .action(async () => {
      await withDb(async ({ db, out, config }) => {
        out(db.url);
        if (db.embedded && !config.databaseUrl) process.stderr.write('note: the embedded server stops when this command exits; run it while the bot is running.\n');
      }, { prisma: false });
    });
  db.command('status')
    .description('show the migrations and whether each is applied')
    .action(async () => {
      await withDb(async ({ db, out }) => {
        const { rows } = await db.pool.query<{ migration_name: string; finished_at: Date }>(
          'SELECT migration_name, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
        );
        const applied = new Map(rows.map((r) => [r.migration_name, r.finished_at]));
        const { readMigrations } = await import('../db/migrate.ts');
        for (const m of readMigrations()) out(`${applied.get(m.name) ? 'applied' : 'pending'}  ${m.name}`);
        out(`database: ${db.embedded ? 'embedded (DATA_DIR/postgres)' : 'DATABASE_URL'}`);
      }, { prisma: false });
    });
}
