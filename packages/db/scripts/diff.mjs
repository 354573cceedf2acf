// Writes a new migration: the SQL between the committed schema (git HEAD) and prisma/schema.prisma.
//   npm run db:diff -- <name>
// Commit each migration together with its schema change, so HEAD's schema is the one the
// migrations build. (Diffing against a database URL is not possible with the driver adapter,
// and the native schema engine cannot be downloaded offline.) The CLI also looks for a query
// engine library it never uses here; a placeholder keeps it from trying to download one.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const name = (process.argv[2] ?? '').replace(/[^a-z0-9_]/gi, '_');
if (!name) throw new Error('usage: npm run db:diff -- <migration_name>');
const pkg = path.join(import.meta.dirname, '..');
const dir = path.join(pkg, 'prisma');
const work = mkdtempSync(path.join(tmpdir(), 'sluice-diff-'));
const placeholder = path.join(work, 'placeholder.so.node');
writeFileSync(placeholder, '');
const committed = path.join(work, 'committed.prisma');
writeFileSync(committed, execFileSync('git', ['show', 'HEAD:./prisma/schema.prisma'], { cwd: pkg, encoding: 'utf8' }));
const env = { ...process.env, PRISMA_QUERY_ENGINE_LIBRARY: placeholder, CHECKPOINT_DISABLE: '1' };
const sql = execFileSync('npx', ['prisma', 'migrate', 'diff', '--from-schema-datamodel', committed, '--to-schema-datamodel', 'prisma/schema.prisma', '--script'], {
  cwd: pkg,
  env,
  encoding: 'utf8',
});
if (!/CREATE|ALTER|DROP/i.test(sql)) {
  console.log('schema.prisma matches the committed schema: nothing to write');
  process.exit(0);
}
const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const target = path.join(dir, 'migrations', `${stamp}_${name}`);
mkdirSync(target, { recursive: true });
writeFileSync(path.join(target, 'migration.sql'), sql);
console.log(`wrote ${path.relative(process.cwd(), target)}/migration.sql (${readdirSync(path.join(dir, 'migrations')).length - 1} migrations)`);
