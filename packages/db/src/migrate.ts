import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { dataPaths } from './paths';

const run = promisify(execFile);
const packageDir = path.join(import.meta.dirname, '..');

/** The SQLite URL for a data directory. */
export const databaseUrlFor = (dataDir: string): string => `file:${dataPaths(dataDir).database}`;

/**
 * Applies pending migrations with `prisma migrate deploy` (offline JS engine).
 * Safe to call on every start: applied migrations are skipped.
 */
export async function applyMigrations(databaseUrl: string): Promise<string> {
  const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
  const { stdout } = await run(process.execPath, [cli, 'migrate', 'deploy'], {
    cwd: packageDir,
    env: { ...process.env, SLUICE_DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1' },
    timeout: 120_000,
  });
  return stdout;
}
