import path from 'node:path';
import { z } from 'zod';

/** At most this many node agents on one machine (`SLUICE_AGENTS`). */
export const MAX_LOCAL_AGENTS = 64;

/** Configuration of the all-in-one appliance (`npm start`), from the environment. */
const Env = z.object({
  SLUICE_HOST: z.string().min(1).default('127.0.0.1'),
  SLUICE_PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  SLUICE_DATA_DIR: z.string().min(1).default('./var'),
  SLUICE_ADMIN_USER: z.string().min(1).default('admin'),
  SLUICE_ADMIN_PASSWORD: z.string().min(8, 'SLUICE_ADMIN_PASSWORD must be at least 8 characters').optional(),
  SLUICE_SIM_GPUS: z.string().optional(),
  SLUICE_NODE_NAME: z.string().optional(),
  SLUICE_AGENTS: z.coerce.number().int().min(1).max(MAX_LOCAL_AGENTS).default(1),
  SLUICE_PYTHON_ENV: z.string().optional(),
  SLUICE_DEV: z.enum(['true', 'false']).default('false'),
  /** The Unix account the admin's jobs run as when the appliance runs as root (made if missing). */
  SLUICE_UNIX_USER: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'SLUICE_UNIX_USER: a Unix account name (lowercase letters, digits, _ -)')
    .default('sluice'),
});

export type ApplianceConfig = ReturnType<typeof loadApplianceConfig>;

/**
 * Names of the local node agents: one agent is `SLUICE_NODE_NAME` (default `local`); several
 * are that name with a number appended, `node1`..`nodeN` by default.
 */
export function localNodeNames(agents: number, nodeName: string | undefined): string[] {
  if (agents === 1) return [nodeName ?? 'local'];
  return Array.from({ length: agents }, (_, i) => `${nodeName ?? 'node'}${i + 1}`);
}

export function loadApplianceConfig(env: Record<string, string | undefined>) {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new Error(`invalid configuration: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  return {
    host: e.SLUICE_HOST,
    port: e.SLUICE_PORT,
    dataDir: path.resolve(e.SLUICE_DATA_DIR),
    adminUser: e.SLUICE_ADMIN_USER,
    adminPassword: e.SLUICE_ADMIN_PASSWORD,
    simGpus: e.SLUICE_SIM_GPUS,
    nodeNames: localNodeNames(e.SLUICE_AGENTS, e.SLUICE_NODE_NAME),
    pythonEnv: e.SLUICE_PYTHON_ENV,
    dev: e.SLUICE_DEV === 'true',
    unixUser: e.SLUICE_UNIX_USER,
  };
}
