import { z } from 'zod';

/** The scheduler's configuration, read from the environment once at start (the only reader of process.env). */
const Env = z.object({
  SLUICE_DATA_DIR: z.string().min(1).default('./var'),
  SLUICE_DATABASE_URL: z.string().startsWith('file:').optional(),
  SLUICE_SCHEDULER_HOST: z.string().default('127.0.0.1'),
  /** 0 picks a free port; the actual one is announced to the parent process. */
  SLUICE_SCHEDULER_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  SLUICE_AGENT_SECRET: z.string().min(32, 'SLUICE_AGENT_SECRET must be at least 32 characters'),
  SLUICE_INTERNAL_SECRET: z.string().min(32, 'SLUICE_INTERNAL_SECRET must be at least 32 characters'),
  SLUICE_CYCLE_SEC: z.coerce.number().min(0.1).max(300).default(2),
  SLUICE_HEARTBEAT_SEC: z.coerce.number().int().min(1).max(300).default(5),
  SLUICE_NODE_TIMEOUT_SEC: z.coerce.number().int().min(5).max(3600).default(60),
  SLUICE_STOP_GRACE_SEC: z.coerce.number().int().min(0).max(3600).default(10),
  /** How long before an idle session is stopped its user is warned. */
  SLUICE_IDLE_WARNING_SEC: z.coerce.number().int().min(0).max(86_400).default(600),
  /** JSON file with scheduling-policy overrides (see policy.ts). */
  SLUICE_SCHEDULER_POLICY: z.string().min(1).optional(),
  SLUICE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
});

export interface SchedulerDaemonConfig {
  dataDir: string;
  databaseUrl: string;
  host: string;
  port: number;
  agentSecret: string;
  internalSecret: string;
  cycleMs: number;
  heartbeatSec: number;
  nodeTimeoutMs: number;
  stopGraceSec: number;
  logLevel: z.infer<typeof Env>['SLUICE_LOG_LEVEL'];
  policyFile: string | undefined;
  idleWarnMs: number;
}

export function loadConfig(env: NodeJS.ProcessEnv): SchedulerDaemonConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid scheduler configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    dataDir: e.SLUICE_DATA_DIR,
    databaseUrl: e.SLUICE_DATABASE_URL ?? `file:${e.SLUICE_DATA_DIR}/sluice.db`,
    host: e.SLUICE_SCHEDULER_HOST,
    port: e.SLUICE_SCHEDULER_PORT,
    agentSecret: e.SLUICE_AGENT_SECRET,
    internalSecret: e.SLUICE_INTERNAL_SECRET,
    cycleMs: e.SLUICE_CYCLE_SEC * 1000,
    heartbeatSec: e.SLUICE_HEARTBEAT_SEC,
    nodeTimeoutMs: e.SLUICE_NODE_TIMEOUT_SEC * 1000,
    stopGraceSec: e.SLUICE_STOP_GRACE_SEC,
    logLevel: e.SLUICE_LOG_LEVEL,
    policyFile: e.SLUICE_SCHEDULER_POLICY,
    idleWarnMs: e.SLUICE_IDLE_WARNING_SEC * 1000,
  };
}
