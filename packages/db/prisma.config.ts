import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import type { PrismaConfig } from 'prisma';

// Prisma CLI config: the JS engine with the better-sqlite3 adapter works fully offline.
export default {
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(import.meta.dirname, 'prisma/schema.prisma'),
  migrations: { path: path.join(import.meta.dirname, 'prisma/migrations') },
  async adapter() {
    return new PrismaBetterSQLite3({ url: process.env.SLUICE_DATABASE_URL ?? 'file:./dev.db' });
  },
} satisfies PrismaConfig;
