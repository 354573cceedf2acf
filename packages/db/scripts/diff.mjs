// Writes a new migration: the SQL between the schema at the last migration and prisma/schema.prisma.
//   npm run db:diff -- <name>
// The CLI's diff looks for a query engine library it never uses here; pointing it at a
// placeholder keeps it from trying to download one (it cannot, offline).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]/gi, '_');
if (!name) throw new Error('usage: npm run db:diff -- <migration_name>');
const dir = path.join(import.meta.dirname, '..', 'prisma');
const work = mkdtempSync(path.join(tmpdir(), 'sluice-diff-'));
const placeholder = path.join(work, 'placeholder.so.node');
writeFileSync(placeholder, '');
const shadow = path.join(work, 'shadow.db');
const env = { ...process.env, PRISMA_QUERY_ENGINE_LIBRARY: placeholder, CHECKPOINT_DISABLE: '1', SLUICE_DATABASE_URL: `file:${shadow}` };
const prisma = (args) => execFileSync('npx', ['prisma', ...args], { cwd: path.join(dir, '..'), env, encoding: 'utf8' });
prisma(['migrate', 'deploy']);
const sql = prisma(['migrate', 'diff', '--from-url', `file:${shadow}`, '--to-schema-datamodel', 'prisma/schema.prisma', '--script']);
if (!/CREATE|ALTER|DROP/i.test(sql)) {
  console.log('schema.prisma matches the migrations: nothing to write');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const target = path.join(dir, 'migrations', `${stamp}_${name}`);
mkdirSync(target, { recursive: true });
writeFileSync(path.join(target, 'migration.sql'), sql);
console.log(`wrote ${path.relative(process.cwd(), target)}/migration.sql (${readdirSync(path.join(dir, 'migrations')).length - 1} migrations)`);
