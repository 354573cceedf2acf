// `npm start`: the whole appliance on one machine — SQLite, scheduler, one local node agent
// (or SLUICE_AGENTS of them, each its own node with simulated GPUs), portal — with the data in
// SLUICE_DATA_DIR. Ctrl-C stops everything; nothing is left behind.
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { applyMigrations, databaseUrlFor, dataPaths, openDb } from '@sluice/db';
import { DEFAULT_SIM_SPEC, findNvidiaSmi } from '../apps/node-agent/src/gpu';
import { ensureAdmin } from '../apps/web/src/server/services/users';
import { loadApplianceConfig } from './appliance/config';
import { loadOrCreateSecrets } from './appliance/secrets';
import { Supervised } from './appliance/supervised';
import { applianceUnixUser, hasAccount, makeTraversable, openDataDirForJobs, unusableBy } from './appliance/unix-account';

const root = path.resolve(import.meta.dirname, '..');
const say = (msg: string) => console.error(`[sluice] ${msg}`);

async function waitForNode(db: Awaited<ReturnType<typeof openDb>>, name: string, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const node = await db.node.findUnique({ where: { name }, select: { state: true } });
    if (node?.state === 'UP') return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function main(): Promise<void> {
  const config = loadApplianceConfig(process.env);
  const nvidiaSmi = findNvidiaSmi();
  if (config.nodeNames.length > 1 && nvidiaSmi) {
    throw new Error(`SLUICE_AGENTS=${config.nodeNames.length} is for machines without GPUs (found ${nvidiaSmi}): every agent would offer the same real GPUs`);
  }
  const paths = dataPaths(config.dataDir);
  for (const dir of [paths.root, paths.logs, paths.nodes]) mkdirSync(dir, { recursive: true });
  const databaseUrl = databaseUrlFor(config.dataDir);
  await applyMigrations(databaseUrl);
  const db = await openDb(databaseUrl);
  const unixUser = applianceUnixUser(config.unixUser, say);
  const asRoot = process.getuid?.() === 0;
  // The admin's jobs run as the appliance's account, unless an admin mapped it to another that works here.
  const admin = await ensureAdmin(db, config.adminUser, config.adminPassword, {
    unixUser,
    replaceUnixUser: (current) => (asRoot ? !hasAccount(current) : current !== unixUser),
  });
  const secrets = loadOrCreateSecrets(paths.secrets);
  openDataDirForJobs(paths);
  const pythonEnv = config.pythonEnv ?? path.join(root, '.runtime/python');
  // The environment's base interpreter too (a venv's bin/python links to it): Ray starts its
  // processes with it (sys.executable), and it reads its standard library from beside it.
  const python = path.join(pythonEnv, 'bin', 'python');
  makeTraversable([path.join(pythonEnv, 'bin'), ...(existsSync(python) ? [path.dirname(realpathSync(python))] : []), paths.nodes], say);
  const noJupyter = unusableBy(unixUser, path.join(pythonEnv, 'bin', 'jupyter-lab'));
  if (noJupyter) say(`warning: Jupyter and Ray sessions will not start for ${unixUser}: ${noJupyter}`);
  const common = {
    ...process.env,
    SLUICE_DATA_DIR: config.dataDir,
    SLUICE_DATABASE_URL: databaseUrl,
    SLUICE_AGENT_SECRET: secrets.agentSecret,
    SLUICE_INTERNAL_SECRET: secrets.internalSecret,
  };

  let shuttingDown = false;
  // Started in tiers (scheduler, agents, portal), stopped tier by tier in reverse.
  const tiers: Supervised[][] = [];
  const shutdown = async (why: string, code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    say(`stopping (${why})`);
    for (const c of tiers.flat()) c.markStopping();
    // The portal first, then the agents together (they stop their workloads), the scheduler last.
    for (const tier of [...tiers].reverse()) await Promise.all(tier.map((c) => c.stop(15_000)));
    await db.$disconnect();
    process.exit(code);
  };
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  const giveUp = (name: string) => void shutdown(`${name} crash-looped`, 1);

  const schedulerEnv = { ...common, SLUICE_SCHEDULER_PORT: '0' };
  const scheduler = new Supervised({ name: 'scheduler', script: path.join(root, 'apps/scheduler/src/main.ts'), env: schedulerEnv }, giveUp);
  tiers.push([scheduler]);
  const schedulerReady = scheduler.ready(60_000);
  scheduler.start();
  const { port: schedulerPort } = await schedulerReady;
  if (!schedulerPort) throw new Error('the scheduler did not say which port it listens on');
  // A scheduler restarted after a crash listens where the agents and the portal look for it.
  schedulerEnv.SLUICE_SCHEDULER_PORT = String(schedulerPort);

  // Each agent is its own node: its own name, GPU UUIDs (derived from the name) and state dir.
  const agents = config.nodeNames.map(
    (nodeName) =>
      new Supervised(
        {
          name: config.nodeNames.length > 1 ? `node-agent ${nodeName}` : 'node-agent',
          script: path.join(root, 'apps/node-agent/src/main.ts'),
          env: {
            ...common,
            SLUICE_SCHEDULER_URL: `ws://127.0.0.1:${schedulerPort}/agent`,
            SLUICE_NODE_NAME: nodeName,
            SLUICE_INTERNAL_SECRET: '',
            SLUICE_PYTHON_ENV: pythonEnv,
            // To try Sluice out on a machine without GPUs, its nodes simulate some (an agent alone has none there).
            ...(nvidiaSmi || config.simGpus !== undefined ? {} : { SLUICE_SIM_GPUS: DEFAULT_SIM_SPEC }),
            // Ctrl-C leaves nothing running; an agent that crashed and was restarted adopts its jobs.
            SLUICE_STOP_WORKLOADS_ON_EXIT: 'true',
          },
        },
        giveUp,
      ),
  );
  tiers.push(agents);
  for (const agent of agents) agent.start();
  const joined = await Promise.all(config.nodeNames.map((name) => waitForNode(db, name, 60_000)));
  const late = config.nodeNames.filter((_, i) => !joined[i]);
  if (late.length > 0) say(`warning: node${late.length > 1 ? 's' : ''} ${late.join(', ')} ha${late.length > 1 ? 've' : 's'} not joined yet`);

  const web = new Supervised(
    {
      name: 'portal',
      script: path.join(root, 'apps/web/server.ts'),
      env: { ...common, SLUICE_SCHEDULER_URL: `http://127.0.0.1:${schedulerPort}`, SLUICE_AGENT_SECRET: '', SLUICE_DEV: String(config.dev) },
    },
    giveUp,
  );
  tiers.push([web]);
  const webReady = web.ready(120_000);
  web.start();
  await webReady;

  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}/`;
  const password = admin.generatedPassword
    ? `${admin.generatedPassword}   (generated now and shown only this once: note it)`
    : config.adminPassword
      ? '(as set in SLUICE_ADMIN_PASSWORD)'
      : '(unchanged since it was first shown)';
  console.log(
    [
      '',
      '  Sluice is running.',
      `  Portal:    ${url}`,
      `  REST API:  ${url}api/v1/openapi.json`,
      `  Log in:    ${config.adminUser}   (jobs run as the Unix account ${unixUser})`,
      `  Password:  ${password}`,
      `  Nodes:     ${config.nodeNames.join(', ')}`,
      `  Data:      ${config.dataDir}`,
      '  Stop:      Ctrl-C',
      '',
    ].join('\n'),
  );
}

main().catch((err: unknown) => {
  console.error(`[sluice] error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
