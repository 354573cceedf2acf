import path from 'node:path';
import { z } from 'zod';

/** The portal's configuration from the environment (the only reader of process.env in the portal). */
const Env = z.object({
  SLUICE_HOST: z.string().min(1).default('127.0.0.1'),
  SLUICE_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  SLUICE_DATA_DIR: z.string().min(1).default('./var'),
  SLUICE_DATABASE_URL: z.string().startsWith('file:').optional(),
  SLUICE_SCHEDULER_URL: z.url('SLUICE_SCHEDULER_URL must be the scheduler\'s http:// URL'),
  SLUICE_INTERNAL_SECRET: z.string().min(32, 'SLUICE_INTERNAL_SECRET must be at least 32 characters'),
  SLUICE_SECURE_COOKIES: z.enum(['true', 'false']).default('false'),
  SLUICE_DEV: z.enum(['true', 'false']).default('false'),
  SLUICE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export interface WebConfig {
  host: string;
  port: number;
  dataDir: string;
  databaseUrl: string;
  schedulerUrl: string;
  internalSecret: string;
  secureCookies: boolean;
  dev: boolean;
  logLevel: z.infer<typeof Env>['SLUICE_LOG_LEVEL'];
}

export function loadConfig(env: NodeJS.ProcessEnv): WebConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new Error(`invalid portal configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.SLUICE_DATA_DIR);
  return {
    host: e.SLUICE_HOST,
    port: e.SLUICE_PORT,
    dataDir,
    databaseUrl: e.SLUICE_DATABASE_URL ?? `file:${path.join(dataDir, 'sluice.db')}`,
    schedulerUrl: e.SLUICE_SCHEDULER_URL.replace(/\/$/, ''),
    internalSecret: e.SLUICE_INTERNAL_SECRET,
    secureCookies: e.SLUICE_SECURE_COOKIES === 'true',
    dev: e.SLUICE_DEV === 'true',
    logLevel: e.SLUICE_LOG_LEVEL,
  };
}
