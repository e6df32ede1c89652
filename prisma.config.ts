// Prisma CLI configuration: the JS (WASM) schema engine through @prisma/adapter-pg, so that
// generate / migrate run offline with no engine download (see ../shared/DESIGN.md).
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { migrationAdapter } from './prisma/migration-adapter.ts';

const databaseUrl = process.env.DATABASE_URL;
// The schema's env("DATABASE_URL") must resolve even for `prisma generate` (run by postinstall,
// with no database): an unresolved env() makes the CLI fall back to downloading a native engine.
process.env.DATABASE_URL ??= 'postgresql://unset@127.0.0.1:5432/unset';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  adapter: async () => migrationAdapter(databaseUrl),
});
